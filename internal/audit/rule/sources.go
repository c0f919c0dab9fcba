package rule

// Sources that several rule packages cite, by catalogue key (threat
// catalogue section 0) and address. A rule's References name a source by
// its key and may add its address, so that a report can cite and link it.
const (
	RefEVH   = "CISA-EVH"
	URLEVH   = "https://www.cisa.gov/resources-tools/resources/enhanced-visibility-and-hardening-guidance-communications-infrastructure"
	RefAA25  = "AA25-239A"
	URLAA25  = "https://www.cisa.gov/news-events/cybersecurity-advisories/aa25-239a"
	RefTalos = "TALOS-ST"
	URLTalos = "https://blog.talosintelligence.com/salt-typhoon-analysis/"
	RefWebUI = "CISCO-SA-WEBUI"
	URLWebUI = "https://sec.cloudapps.cisco.com/security/center/content/CiscoSecurityAdvisory/cisco-sa-iosxe-webui-privesc-j22SaA4z"
)
