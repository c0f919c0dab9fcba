package netflow_test

// corpusCase is a sequence of captures replayed into one decoder, in an
// order that sends templates before the data that needs them.
type corpusCase struct {
	name  string
	files []string
}

const (
	akv = "akvorado-netflow/"
	pmc = "pmacct/"
	pta = "pmacct-test-automation/"
)

var corpusCases = []corpusCase{
	// Akvorado (AGPL, read in place): one datagram per file.
	{"akvorado/nfv5", []string{akv + "nfv5.pcap"}},
	{"akvorado/v9", []string{akv + "template.pcap", akv + "data.pcap"}},
	{"akvorado/v9-data+templates", []string{akv + "data+templates.pcap"}},
	{"akvorado/v9-options", []string{akv + "options-template.pcap", akv + "options-data.pcap", akv + "template.pcap", akv + "data.pcap"}},
	{"akvorado/v9-samplingrate", []string{akv + "samplingrate-template.pcap", akv + "samplingrate-data.pcap"}},
	{"akvorado/v9-multiplesamplingrates", []string{akv + "multiplesamplingrates-options-template.pcap", akv + "multiplesamplingrates-options-data.pcap", akv + "multiplesamplingrates-template.pcap", akv + "multiplesamplingrates-data.pcap"}},
	{"akvorado/v9-icmp", []string{akv + "icmp-template.pcap", akv + "icmp-data.pcap"}},
	{"akvorado/v9-nat", []string{akv + "nat.pcap"}},
	{"akvorado/ipfix-mpls", []string{akv + "mpls.pcap"}},
	{"akvorado/ipfix-physicalinterfaces", []string{akv + "physicalinterfaces.pcap"}},
	{"akvorado/ipfix-datalink", []string{akv + "datalink-template.pcap", akv + "datalink-data.pcap"}},
	{"akvorado/ipfix-eompls", []string{akv + "ethernet-over-mpls-with-control-word-template.pcap", akv + "ethernet-over-mpls-with-control-word-data.pcap"}},
	{"akvorado/ipfix-srv6", []string{akv + "ipfix-srv6-template.pcap", akv + "ipfix-srv6-data.pcap"}},
	{"akvorado/ipfixprobe", []string{akv + "ipfixprobe-templates.pcap", akv + "ipfixprobe-data.pcap"}},
	{"akvorado/juniper-cpid", []string{akv + "juniper-cpid-template.pcap", akv + "juniper-cpid-data.pcap"}},

	// pmacct (GPL, read in place): short exporter sessions.
	{"pmacct/100", []string{pmc + "100-IPFIXv10-CISCO/traffic-00.pcap"}},
	{"pmacct/101", []string{pmc + "101-NFv9-CISCO-cust_primitives/traffic-00.pcap"}},
	{"pmacct/102", []string{pmc + "102-NFv9-CISCO-f2rd-pretag-sampling-reload/traffic-00.pcap"}},
	{"pmacct/103", []string{pmc + "103-IPFIXv10-CISCO-pretag-JSON_encoding/traffic-00.pcap"}},
	{"pmacct/104", []string{pmc + "104-IPFIXv10-IPv6-CISCO-sampling_option/traffic-00.pcap"}},
	{"pmacct/106", []string{pmc + "106-IPFIXv10-HUAWEI-vrf_name/traffic-00.pcap"}},
	{"pmacct/111-v9", []string{pmc + "111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources/traffic-00.pcap"}},
	{"pmacct/111-ipfix", []string{pmc + "111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources/traffic-01.pcap"}},
	{"pmacct/112", []string{pmc + "112-IPFIXv10-CISCO-options-map-reassignment/traffic-00.pcap"}},
	{"pmacct/900", []string{pmc + "900-kafka-connection-loss/traffic-00.pcap"}},

	// Swisscom (MIT): IPFIX interleaved with BMP/BGP over TCP.
	{"swisscom/400-00", []string{pta + "400-IPFIXv10-BMP-CISCO-SRv6-multiple-sources/traffic-00.pcap"}},
	{"swisscom/400-01", []string{pta + "400-IPFIXv10-BMP-CISCO-SRv6-multiple-sources/traffic-01.pcap"}},
	{"swisscom/401-00", []string{pta + "401-IPFIXv10-BMP-IPv6-CISCO-MPLS-multiple-sources/traffic-00.pcap"}},
	{"swisscom/401-01", []string{pta + "401-IPFIXv10-BMP-IPv6-CISCO-MPLS-multiple-sources/traffic-01.pcap"}},
	{"swisscom/500", []string{pta + "500-IPFIXv10-BGP-CISCO-SRv6/traffic-00.pcap"}},
	{"swisscom/501", []string{pta + "501-IPFIXv10-BGP-IPv6-CISCO-MPLS/traffic-00.pcap"}},
	{"swisscom/502", []string{pta + "502-IPFIXv10-BGP-IPv6-CISCO-SRv6-lcomms/traffic-00.pcap"}},

	// logstash-codec-netflow (Apache-2.0, copied to testdata/logstash).
	{"logstash/ipfix", []string{"ipfix.dat"}},
	{"logstash/barracuda", []string{"ipfix_test_barracuda_tpl.dat", "ipfix_test_barracuda_data256.dat"}},
	{"logstash/barracuda-uniflow", []string{"ipfix_test_barracuda_extended_uniflow_tpl256.dat", "ipfix_test_barracuda_extended_uniflow_data256.dat"}},
	{"logstash/ixia", []string{"ipfix_test_ixia_tpldata256.dat", "ipfix_test_ixia_tpldata271.dat"}},
	{"logstash/juniper-mx240", []string{"ipfix_test_juniper_mx240_junos151r6s3_opttpl512.dat", "ipfix_test_juniper_mx240_junos151r6s3_data512.dat"}},
	{"logstash/mikrotik-ipfix", []string{"ipfix_test_mikrotik_tpl.dat", "ipfix_test_mikrotik_data258.dat", "ipfix_test_mikrotik_data259.dat"}},
	{"logstash/netscaler", []string{"ipfix_test_netscaler_tpl.dat", "ipfix_test_netscaler_data.dat"}},
	{"logstash/nokia-bras", []string{"ipfix_test_nokia_bras_tpl.dat", "ipfix_test_nokia_bras_data256.dat"}},
	{"logstash/openbsd-pflow", []string{"ipfix_test_openbsd_pflow_tpl.dat", "ipfix_test_openbsd_pflow_data.dat"}},
	{"logstash/procera", []string{"ipfix_test_procera_tpl52935.dat", "ipfix_test_procera_data52935.dat"}},
	{"logstash/viptela", []string{"ipfix_test_viptela_tpl257.dat", "ipfix_test_viptela_data257.dat"}},
	{"logstash/vmware-vds", []string{"ipfix_test_vmware_vds_tpl.dat", "ipfix_test_vmware_vds_data264.dat", "ipfix_test_vmware_vds_data266.dat", "ipfix_test_vmware_vds_data266_267.dat"}},
	{"logstash/yaf", []string{"ipfix_test_yaf_tpl45841.dat", "ipfix_test_yaf_tpls_option_tpl.dat", "ipfix_test_yaf_data45841.dat", "ipfix_test_yaf_data45873.dat", "ipfix_test_yaf_data53248.dat"}},
	{"logstash/v5", []string{"netflow5.dat"}},
	{"logstash/v5-juniper-mx80", []string{"netflow5_test_juniper_mx80.dat"}},
	{"logstash/v5-mikrotik", []string{"netflow5_test_microtik.dat"}},
	{"logstash/v5-invalid01", []string{"netflow5_test_invalid01.dat"}},
	{"logstash/v5-invalid02", []string{"netflow5_test_invalid02.dat"}},
	{"logstash/asr1001x", []string{"netflow9_cisco_asr1001x_tpl259.dat"}},
	{"logstash/0length-fields", []string{"netflow9_test_0length_fields_tpl_data.dat"}},
	{"logstash/cisco-1941", []string{"netflow9_test_cisco_1941K9.dat"}},
	{"logstash/cisco-aci", []string{"netflow9_test_cisco_aci_tpl256-258.dat", "netflow9_test_cisco_aci_data256.dat"}},
	{"logstash/cisco-asa-1", []string{"netflow9_test_cisco_asa_1_tpl.dat", "netflow9_test_cisco_asa_1_data.dat"}},
	{"logstash/cisco-asa-2", []string{"netflow9_test_cisco_asa_2_tpl_26x.dat", "netflow9_test_cisco_asa_2_tpl_27x.dat", "netflow9_test_cisco_asa_2_data.dat"}},
	{"logstash/cisco-asr9k", []string{"netflow9_test_cisco_asr9k_opttpl256.dat", "netflow9_test_cisco_asr9k_opttpl257.dat", "netflow9_test_cisco_asr9k_opttpl334.dat", "netflow9_test_cisco_asr9k_tpl260.dat", "netflow9_test_cisco_asr9k_tpl266.dat", "netflow9_test_cisco_asr9k_data256.dat", "netflow9_test_cisco_asr9k_data260.dat"}},
	{"logstash/cisco-nbar", []string{"netflow9_test_cisco_nbar_opttpl260.dat", "netflow9_test_cisco_nbar_tpl262.dat", "netflow9_test_cisco_nbar_data262.dat"}},
	{"logstash/cisco-wlc", []string{"netflow9_test_cisco_wlc_tpl.dat", "netflow9_test_cisco_wlc_8510_tpl_262.dat", "netflow9_test_cisco_wlc_data261.dat"}},
	{"logstash/layer2segmentid", []string{"netflow9_test_field_layer2segmentid_tpl.dat", "netflow9_test_field_layer2segmentid_data.dat"}},
	{"logstash/fortios-521", []string{"netflow9_test_fortigate_fortios_521_tpl.dat", "netflow9_test_fortigate_fortios_521_data256.dat", "netflow9_test_fortigate_fortios_521_data257.dat"}},
	{"logstash/fortios-542", []string{"netflow9_test_fortigate_fortios_542_appid_tpl258-269.dat", "netflow9_test_fortigate_fortios_542_appid_data258_262.dat"}},
	{"logstash/h3c", []string{"netflow9_test_h3c_tpl3281.dat", "netflow9_test_h3c_data3281.dat"}},
	{"logstash/h3c-varstring", []string{"netflow9_test_h3c_netstream_varstring_tpl3281.dat", "netflow9_test_h3c_netstream_varstring_data3281.dat"}},
	{"logstash/huawei", []string{"netflow9_test_huawei_netstream_tpl.dat", "netflow9_test_huawei_netstream_data.dat"}},
	{"logstash/v9-invalid01", []string{"netflow9_test_invalid01.dat"}},
	{"logstash/ipt-netflow", []string{"netflow9_test_iptnetflow_reduced_size_encoding_tpldata260.dat"}},
	{"logstash/juniper-srx", []string{"netflow9_test_juniper_srx_tplopt.dat"}},
	{"logstash/macaddr", []string{"netflow9_test_macaddr_tpl.dat", "netflow9_test_macaddr_data.dat"}},
	{"logstash/nprobe", []string{"netflow9_test_nprobe_tpl.dat", "netflow9_test_nprobe_data.dat", "netflow9_test_nprobe_dpi.dat"}},
	{"logstash/paloalto-81", []string{"netflow9_test_paloalto_81_tpl256-263.dat", "netflow9_test_paloalto_81_data257_1flowset_in_large_zerofilled_packet.dat"}},
	{"logstash/paloalto-panos", []string{"netflow9_test_paloalto_panos_tpl.dat", "netflow9_test_paloalto_panos_data.dat"}},
	{"logstash/softflowd", []string{"netflow9_test_softflowd_tpl_data.dat"}},
	{"logstash/streamcore", []string{"netflow9_test_streamcore_tpl_data256.dat", "netflow9_test_streamcore_tpl_data260.dat"}},
	{"logstash/ubnt-edgerouter", []string{"netflow9_test_ubnt_edgerouter_tpl.dat", "netflow9_test_ubnt_edgerouter_data1024.dat", "netflow9_test_ubnt_edgerouter_data1025.dat"}},
	{"logstash/unknown-tpl266-292", []string{"netflow9_test_unknown_tpl266_292_data.dat"}},
	{"logstash/valid01", []string{"netflow9_test_valid01.dat"}},
}
