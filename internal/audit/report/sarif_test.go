package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/seawall/seawall/internal/audit"
)

// checkSARIF validates a SARIF log against the properties the SARIF 2.1.0
// specification (OASIS, §3) requires and the constraints GitHub code
// scanning adds: it is a structural check written from the spec, since the
// module carries no JSON-schema validator.
func checkSARIF(doc []byte) []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	var log map[string]any
	if err := json.Unmarshal(doc, &log); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	if log["version"] != "2.1.0" {
		bad("version is %v, want 2.1.0 (§3.13.2)", log["version"])
	}
	if log["$schema"] != SARIFSchema {
		bad("$schema is %v (§3.13.3)", log["$schema"])
	}
	runs, ok := log["runs"].([]any)
	if !ok {
		return append(errs, "runs is missing or not an array (§3.13.4)")
	}
	for ri, rv := range runs {
		run, _ := rv.(map[string]any)
		driver, _ := dig(run, "tool", "driver").(map[string]any)
		if name, _ := driver["name"].(string); name == "" {
			bad("runs[%d].tool.driver.name is missing (§3.19.8)", ri)
		}
		if u, ok := driver["informationUri"].(string); ok && !absURI(u) {
			bad("runs[%d].tool.driver.informationUri %q is not an absolute URI", ri, u)
		}
		rules, _ := driver["rules"].([]any)
		ids := map[string]int{}
		for i, v := range rules {
			r, _ := v.(map[string]any)
			id, _ := r["id"].(string)
			if id == "" {
				bad("rules[%d].id is missing (§3.49.3)", i)
			}
			if _, dup := ids[id]; dup {
				bad("rules[%d].id %q is not unique", i, id)
			}
			ids[id] = i
			for _, k := range []string{"shortDescription", "fullDescription"} {
				if s, _ := dig(r, k, "text").(string); s == "" {
					bad("rules[%d].%s.text is empty (§3.12.3)", i, k)
				}
			}
			if s, _ := dig(r, "help", "text").(string); s == "" {
				bad("rules[%d].help.text is empty: a multiformatMessageString needs text (§3.12.3)", i)
			}
			if lv, ok := dig(r, "defaultConfiguration", "level").(string); !ok || !validLevel(lv) {
				bad("rules[%d].defaultConfiguration.level %v is not none, note, warning or error (§3.50.3)", i, dig(r, "defaultConfiguration", "level"))
			}
			tags, _ := dig(r, "properties", "tags").([]any)
			seen := map[any]bool{}
			for _, tg := range tags {
				if _, ok := tg.(string); !ok || seen[tg] {
					bad("rules[%d].properties.tags: %v is not a unique string (§3.8.2)", i, tg)
				}
				seen[tg] = true
			}
			if ss, ok := dig(r, "properties", "security-severity").(string); ok {
				var f float64
				if _, err := fmt.Sscanf(ss, "%g", &f); err != nil || f < 0 || f > 10 {
					bad("rules[%d].properties.security-severity %q is not a number from 0 to 10", i, ss)
				}
			}
		}
		results, ok := run["results"].([]any)
		if !ok {
			bad("runs[%d].results is not an array", ri)
		}
		for i, v := range results {
			r, _ := v.(map[string]any)
			id, _ := r["ruleId"].(string)
			if id == "" {
				bad("results[%d].ruleId is missing", i)
			}
			if idx, ok := r["ruleIndex"].(float64); ok {
				if int(idx) != ids[id] || idx != float64(int(idx)) {
					bad("results[%d].ruleIndex %v does not point at rule %q (§3.27.6)", i, idx, id)
				}
			} else {
				bad("results[%d].ruleIndex is missing", i)
			}
			if _, known := ids[id]; !known {
				bad("results[%d].ruleId %q is not in tool.driver.rules", i, id)
			}
			if s, _ := dig(r, "message", "text").(string); s == "" {
				bad("results[%d].message.text is missing (§3.27.11)", i)
			}
			if lv, _ := r["level"].(string); !validLevel(lv) {
				bad("results[%d].level %q (§3.27.10)", i, lv)
			}
			locs, _ := r["locations"].([]any)
			if len(locs) == 0 {
				bad("results[%d].locations is empty: code scanning needs a location", i)
			}
			rel, _ := r["relatedLocations"].([]any)
			for j, l := range append(locs, rel...) {
				errs = append(errs, checkLocation(fmt.Sprintf("results[%d] location %d", i, j), l)...)
			}
			fps, ok := r["partialFingerprints"].(map[string]any)
			if !ok || len(fps) == 0 {
				bad("results[%d].partialFingerprints is missing", i)
			}
			for k, fv := range fps {
				if s, _ := fv.(string); s == "" {
					bad("results[%d].partialFingerprints[%q] is not a string", i, k)
				}
			}
		}
		invs, _ := run["invocations"].([]any)
		for i, v := range invs {
			inv, _ := v.(map[string]any)
			if _, ok := inv["executionSuccessful"].(bool); !ok {
				bad("invocations[%d].executionSuccessful is missing (§3.20.14)", i)
			}
			notes, _ := inv["toolExecutionNotifications"].([]any)
			for j, nv := range notes {
				n, _ := nv.(map[string]any)
				if s, _ := dig(n, "message", "text").(string); s == "" {
					bad("invocations[%d] notification %d has no message.text (§3.58.5)", i, j)
				}
				for k, l := range n["locations"].([]any) {
					errs = append(errs, checkLocation(fmt.Sprintf("invocations[%d] notification %d location %d", i, j, k), l)...)
				}
			}
		}
	}
	return errs
}

func checkLocation(where string, v any) []string {
	var errs []string
	art, _ := dig(v, "physicalLocation", "artifactLocation").(map[string]any)
	uri, _ := art["uri"].(string)
	u, err := url.Parse(uri)
	switch {
	case uri == "" || err != nil:
		errs = append(errs, fmt.Sprintf("%s: artifactLocation.uri %q is not a URI reference (§3.4.3)", where, uri))
	case u.IsAbs() && art["uriBaseId"] != nil:
		errs = append(errs, fmt.Sprintf("%s: absolute uri %q with a uriBaseId (§3.4.4)", where, uri))
	case !u.IsAbs() && art["uriBaseId"] != SrcRoot:
		errs = append(errs, fmt.Sprintf("%s: relative uri %q without uriBaseId %s", where, uri, SrcRoot))
	}
	line, ok := dig(v, "physicalLocation", "region", "startLine").(float64)
	if !ok || line < 1 || line != float64(int(line)) {
		errs = append(errs, fmt.Sprintf("%s: region.startLine %v is not an integer ≥ 1 (§3.30.5)", where, dig(v, "physicalLocation", "region", "startLine")))
	}
	return errs
}

func validLevel(s string) bool {
	return slices.Contains([]string{"none", "note", "warning", "error"}, s)
}

func absURI(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.IsAbs()
}

// dig walks nested JSON objects.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func TestSARIFValid(t *testing.T) {
	t.Parallel()
	// A finding whose rule is missing from Report.Rules still gets a rule
	// entry so its ruleIndex is valid.
	orphan := sample()
	orphan.Rules = nil
	for name, r := range map[string]*audit.Report{"sample": sample(), "empty": {}, "no rules": orphan} {
		var b bytes.Buffer
		if err := WriteSARIF(&b, r, meta); err != nil {
			t.Fatal(err)
		}
		for _, e := range checkSARIF(b.Bytes()) {
			t.Errorf("%s: %s", name, e)
		}
	}
	// The checker itself catches what it claims to.
	broken := `{"version":"2.0.0","runs":[{"tool":{"driver":{}},"results":[{"ruleId":"X","ruleIndex":3,"message":{},"level":"fatal",
		"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a b"},"region":{"startLine":0}}}]}]}]}`
	got := strings.Join(checkSARIF([]byte(broken)), "\n")
	for _, want := range []string{"version", "$schema", "driver.name", "ruleIndex", "message.text", "level", "startLine", "partialFingerprints", "uriBaseId"} {
		if !strings.Contains(got, want) {
			t.Errorf("checker missed %s in a broken log; it said:\n%s", want, got)
		}
	}
}

func TestSARIFFingerprintsStable(t *testing.T) {
	t.Parallel()
	// Moving a finding down the file keeps its fingerprint; identical
	// findings get distinct ones.
	a, b := sample(), sample()
	b.Findings[0].Evidence[0].Line += 10
	b.Findings[1] = b.Findings[0]
	fp := func(r *audit.Report) []string {
		var buf bytes.Buffer
		if err := WriteSARIF(&buf, r, meta); err != nil {
			t.Fatal(err)
		}
		var log struct {
			Runs []struct {
				Results []struct {
					PartialFingerprints map[string]string
				}
			}
		}
		if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range log.Runs[0].Results {
			out = append(out, r.PartialFingerprints[fingerprintKey])
		}
		return out
	}
	fa, fb := fp(a), fp(b)
	if fa[0] != fb[0] {
		t.Errorf("fingerprint changed when the line moved: %s → %s", fa[0], fb[0])
	}
	if fb[0] == fb[1] {
		t.Errorf("two findings share fingerprint %s", fb[0])
	}
}

func TestTableCleansControlCharacters(t *testing.T) {
	t.Parallel()
	r := sample()
	r.Findings[0].Evidence[0].Text = "description \x1b]0;pwned\x07\x1b[2J"
	r.Devices[0].Name = "edge\x1b[31m"
	var b bytes.Buffer
	if err := WriteTable(&b, r, meta); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\x1b\x07") {
		t.Error("a control character from the configuration reached the terminal")
	}
	if !strings.Contains(b.String(), `description \x1b]0;pwned\x07\x1b[2J`) {
		t.Error("escaped evidence is not shown")
	}
}
