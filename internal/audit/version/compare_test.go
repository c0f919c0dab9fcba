package version

import (
	"testing"
)

// TestOrder checks ordered pairs per OS: each row's a is older than b.
func TestOrder(t *testing.T) {
	tests := []struct {
		os   string
		a, b string
	}{
		// IOS: release, maintenance, train, rebuild, rebuild letter.
		{IOS, "12.2(55)SE11", "12.2(55)SE12"},
		{IOS, "12.2(55)SE", "12.2(55)SE1"},
		{IOS, "12.2(52)SE", "12.2(55)SE12"},
		{IOS, "12.2(55)SE12", "15.0(2)SE11"},
		{IOS, "15.2(4)M11", "15.2(4)M12"},
		{IOS, "15.2(4)M9", "15.2(4)M11"},
		{IOS, "15.2(2)E9", "15.2(4)E1"},
		{IOS, "15.2(7)E4", "15.2(7)E4a"},
		{IOS, "15.2(4)E10", "15.2(4)E10a"},
		{IOS, "12.4(6)T2", "12.4(15)T"},
		{IOS, "15.2(4)E", "15.2(4.0.55)E"},
		{IOS, "15.1(2)SY14", "15.2(1)SY"},
		{IOS, "15.2", "15.2(4)M11"}, // a train sorts before its releases
		// IOS XE: zero padding, letter rebuilds, 3.x trains.
		{IOSXE, "16.8.1", "16.08.01b"},
		{IOSXE, "16.08.01b", "16.8.1c"},
		{IOSXE, "16.9.3", "16.12.04"},
		{IOSXE, "16.12.9", "16.12.10a"},
		{IOSXE, "17.9.4", "17.9.4a"},
		{IOSXE, "17.09.04a", "17.9.4b"},
		{IOSXE, "17.9.4a", "17.9.5"},
		{IOSXE, "17.3.8", "17.03.08a"},
		{IOSXE, "03.06.05E", "3.6.6E"},
		{IOSXE, "3.6.5E", "3.7.0E"},
		{IOSXE, "03.09.01.S", "3.10.0S"},
		{IOSXE, "3.16.10S", "16.3.1"},
		{IOSXE, "17.9", "17.9.1"},
		{IOSXE, "17.9.6a", "17.10.1"},
		// NX-OS: maintenance letters and the 7.0(3)I7(9)-style trains.
		{NXOS, "9.3(4)", "9.3(5)"},
		{NXOS, "9.3(5)", "9.3(7a)"},
		{NXOS, "9.3(7)", "9.3(7a)"},
		{NXOS, "9.3(9)", "9.3(10)"},
		{NXOS, "7.0(3)I7(8)", "7.0(3)I7(9)"},
		{NXOS, "7.0(3)I4(3)", "7.0(3)I7(1)"},
		{NXOS, "7.0(3)I7(9)", "9.3(5)"},
		{NXOS, "6.1(2)I3(1)", "7.0(3)I4(3)"},
		{NXOS, "7.3(12)N1(1)", "7.3(13)N1(1)"},
		{NXOS, "9.3(15)", "10.4(5)M"},
		{NXOS, "10.3(6)M", "10.4(5)"},
		{NXOS, "10.4(4)M", "10.4(5)M"},
		{NXOS, "8.4(2)", "8.4(2c)"},
		// Junos: R releases, service releases, spins, X trains.
		{Junos, "21.4R3-S4", "21.4R3-S5"},
		{Junos, "21.4R3", "21.4R3-S1"},
		{Junos, "21.4R3-S5", "21.4R3-S5.3"},
		{Junos, "21.4R2-S2", "21.4R3"},
		{Junos, "20.4R3-S1.3", "20.4R3-S2"},
		{Junos, "22.4R3-S2.11", "22.4R3-S6"},
		{Junos, "22.4R3-S2.9", "22.4R3-S2.11"},
		{Junos, "15.1X49-D190", "15.1X49-D200"},
		{Junos, "15.1X49-D200", "15.1X49-D200.3"},
		{Junos, "15.1X49-D200", "21.2R3-S9"},
		{Junos, "13.2X51-D35.3", "13.3R1.4"},
		{Junos, "21.2R3-S8", "21.2R3-S9"},
		{Junos, "22.4", "22.4R1"},
		{Junos, "22.4B1", "22.4R1"},
		// EOS.
		{EOS, "4.29.1F", "4.29.2F"},
		{EOS, "4.28.9M", "4.29.2F"},
		{EOS, "4.23.0F", "4.23.0.1F"},
		{EOS, "4.14.7M", "4.31.6M-39953990.4316M"},
		// PAN-OS hotfixes.
		{PANOS, "10.2.9", "10.2.9-h1"},
		{PANOS, "10.2.8-h3", "10.2.9"},
		{PANOS, "10.2.9-h1", "10.2.9-h2"},
		{PANOS, "10.2.9-h2", "10.2.10"},
		{PANOS, "11.1.2-h1", "11.1.2-h3"},
		{PANOS, "10.2.9-h1", "11.0.0"},
		// IOS XR.
		{IOSXR, "6.1.4", "6.5.1"},
		{IOSXR, "7.3.2", "7.3.15"},
		{IOSXR, "7.5.1", "7.5.1.2"},
	}
	for _, tt := range tests {
		a, err := Parse(tt.os, tt.a)
		if err != nil {
			t.Errorf("Parse(%s, %q): %v", tt.os, tt.a, err)
			continue
		}
		b, err := Parse(tt.os, tt.b)
		if err != nil {
			t.Errorf("Parse(%s, %q): %v", tt.os, tt.b, err)
			continue
		}
		if got := a.Compare(b); got != -1 {
			t.Errorf("%s: Compare(%q, %q) = %d, want -1", tt.os, tt.a, tt.b, got)
		}
		if got := b.Compare(a); got != 1 {
			t.Errorf("%s: Compare(%q, %q) = %d, want 1", tt.os, tt.b, tt.a, got)
		}
	}
}

// TestEqual checks spellings of the same release.
func TestEqual(t *testing.T) {
	tests := []struct{ os, a, b string }{
		{IOSXE, "16.08.01b", "16.8.1b"},
		{IOSXE, "17.09.04a", "17.9.4a"},
		{IOSXE, "03.06.05E", "3.6.5E"},
		{IOSXE, "03.09.01.S", "3.9.1S"},
		{IOSXE, "16.09.03", "16.9.3"},
		{NXOS, "10.4(5)", "10.4(5)M"},
		{EOS, "4.31.6M", "4.31.6M-39953990.4316M"},
		{EOS, "4.29.2F", "4.29.2M"},
		{Junos, "19.1R1-S5", "19.1R1-S5-EVO"},
	}
	for _, tt := range tests {
		got, err := Compare(tt.os, tt.a, tt.b)
		if err != nil || got != 0 {
			t.Errorf("%s: Compare(%q, %q) = %d, %v; want 0", tt.os, tt.a, tt.b, got, err)
		}
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ os, s string }{
		{IOS, "15.2(4"},
		{IOS, "V169_5_SR689355441_2"},
		{IOSXE, "16.9.3.1.2"},
		{IOSXE, "15.3(2)S1"},
		{NXOS, "7.0(3)I7"},
		{Junos, "22.4.3"},
		{Junos, "20201202.202156_builder_junos_194_r3_s1"},
		{EOS, "vEOS"},
		{PANOS, "10.2.9-c1"},
		{IOSXR, "7.9.2 LNT"},
		{IOS, "1.1(12345678901)T"},
		{"vrp", "8.180"},
		{IOS, ""},
	}
	for _, tt := range tests {
		if v, err := Parse(tt.os, tt.s); err == nil {
			t.Errorf("Parse(%s, %q) = %+v, want an error", tt.os, tt.s, v)
		}
	}
}

func TestTrain(t *testing.T) {
	tests := []struct {
		os, s string
		train bool
	}{
		{IOS, "15.2", true},
		{IOS, "15.2(4)M11", false},
		{IOSXE, "17.9", true},
		{IOSXE, "17.9.4a", false},
		{NXOS, "9.3(5)", false},
		{Junos, "22.4", true},
		{Junos, "22.4R3-S2.11", false},
	}
	for _, tt := range tests {
		if got := MustParse(tt.os, tt.s).Train; got != tt.train {
			t.Errorf("Parse(%s, %q).Train = %v, want %v", tt.os, tt.s, got, tt.train)
		}
	}
}

func TestWithin(t *testing.T) {
	p := func(os, s string) V {
		if s == "" {
			return V{}
		}
		return MustParse(os, s)
	}
	tests := []struct {
		os, v, lo, hi string
		want          Membership
	}{
		{IOSXE, "17.9.3", "17.7", "17.9.4a", In},
		{IOSXE, "17.9.4", "17.7", "17.9.4a", In},
		{IOSXE, "17.9.4a", "17.7", "17.9.4a", Out},
		{IOSXE, "17.09.05", "17.7", "17.9.4a", Out},
		{IOSXE, "17.7.1", "17.7", "17.9.4a", In},
		{IOSXE, "17.6.6", "17.7", "17.9.4a", Out},
		{IOSXE, "17.8", "17.7", "17.9.4a", In},      // the whole train
		{IOSXE, "17.9", "17.7", "17.9.4a", Maybe},   // the fix is inside the train
		{IOSXE, "17.12", "17.7", "17.9.4a", Out},    // after the range
		{IOSXE, "17.6", "17.7", "17.9.4a", Out},     // before the range
		{IOSXE, "17.7", "17.7.2", "17.9.4a", Maybe}, // starts inside the train
		{Junos, "15.1X49-D200", "", "21.2R3-S9", In},
		{Junos, "21.2R3-S9", "", "21.2R3-S9", Out},
		{Junos, "22.4R3-S2.11", "22.4", "22.4R3-S6", In},
		{Junos, "22.4R3-S6", "22.4", "22.4R3-S6", Out},
		{Junos, "22.4", "22.4", "22.4R3-S6", Maybe},
		{PANOS, "10.2.8", "10.2.0", "", In},
		{NXOS, "7.0(3)I7(9)", "", "9.3(5)", In},
		{NXOS, "9.3", "", "9.3(5)", Maybe},
	}
	for _, tt := range tests {
		got := p(tt.os, tt.v).Within(p(tt.os, tt.lo), p(tt.os, tt.hi))
		if got != tt.want {
			t.Errorf("%s: %q within [%q, %q) = %v, want %v", tt.os, tt.v, tt.lo, tt.hi, got, tt.want)
		}
	}
}

// FuzzParse checks that Parse never panics and that Compare is a total
// order consistent with itself on what it accepts.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"12.2(55)SE12", "15.2(4.0.55)E", "16.08.01b", "03.09.01.S", "7.0(3)I7(9)", "10.4(5)M",
		"22.4R3-S2.11", "15.1X49-D200.3", "4.31.6M-39953990.4316M", "10.2.9-h1", "7.3.2", "17.9"} {
		f.Add(s, "17.9.4a")
	}
	oses := []string{IOS, IOSXE, NXOS, IOSXR, Junos, EOS, PANOS}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, os := range oses {
			va, errA := Parse(os, a)
			vb, errB := Parse(os, b)
			if errA != nil || errB != nil {
				continue
			}
			if va.Compare(va) != 0 {
				t.Fatalf("%s: %q != itself", os, a)
			}
			if va.Compare(vb) != -vb.Compare(va) {
				t.Fatalf("%s: Compare(%q, %q) not antisymmetric", os, a, b)
			}
			_ = va.Within(vb, V{})
		}
	})
}
