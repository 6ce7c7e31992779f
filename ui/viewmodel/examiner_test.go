package viewmodel

import (
	"fmt"
	"os"
	"slices"
	"testing"
)

// mapPrefs is an in-memory Prefs.
type mapPrefs struct {
	s map[string]string
	l map[string][]string
}

func newPrefs() *mapPrefs { return &mapPrefs{s: map[string]string{}, l: map[string][]string{}} }

func (p *mapPrefs) String(k string) string             { return p.s[k] }
func (p *mapPrefs) SetString(k, v string)              { p.s[k] = v }
func (p *mapPrefs) StringList(k string) []string       { return p.l[k] }
func (p *mapPrefs) SetStringList(k string, v []string) { p.l[k] = v }

func TestRecentRecords(t *testing.T) {
	p := newPrefs()
	for i := range 12 {
		RememberRecord(p, fmt.Sprintf("/cases/%02d.loupe", i))
	}
	RememberRecord(p, "/cases/05.loupe")
	got := RecentRecords(p)
	want := []string{"/cases/05.loupe", "/cases/11.loupe", "/cases/10.loupe", "/cases/09.loupe", "/cases/08.loupe",
		"/cases/07.loupe", "/cases/06.loupe", "/cases/04.loupe", "/cases/03.loupe", "/cases/02.loupe"}
	if !slices.Equal(got, want) {
		t.Errorf("recent = %v\nwant %v", got, want)
	}
	if got := ForgetRecord(p, "/cases/11.loupe"); len(got) != 9 || slices.Contains(got, "/cases/11.loupe") {
		t.Errorf("after forget: %v", got)
	}
}

func TestSetUpExaminer(t *testing.T) {
	p := newPrefs()
	if _, ok := LoadExaminer(p); ok {
		t.Fatal("a profile on first run")
	}
	keys := t.TempDir()
	if _, err := SetUpExaminer(p, keys, ExaminerProfile{Name: "  "}); err == nil {
		t.Error("blank name accepted")
	}
	ex, err := SetUpExaminer(p, keys, ExaminerProfile{Name: " DC Ada Example ", Role: "Digital Forensic Examiner"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Fingerprint) != 64 {
		t.Errorf("fingerprint %q", ex.Fingerprint)
	}
	got, ok := LoadExaminer(p)
	if !ok || got.Name != "DC Ada Example" || got.Role != "Digital Forensic Examiner" {
		t.Errorf("saved profile = %+v", got)
	}
	files, _ := os.ReadDir(keys)
	if len(files) == 0 {
		t.Fatal("no key written")
	}
	// The same examiner gets the same key the second time.
	again, err := SetUpExaminer(p, keys, got)
	if err != nil || again.Fingerprint != ex.Fingerprint {
		t.Errorf("second set-up: %s, %v (first %s)", again.Fingerprint, err, ex.Fingerprint)
	}
}

func TestWizardDetailsValidate(t *testing.T) {
	ok := WizardDetails{Case: "OP-X", Exhibit: "RX/1", ExaminerName: "A", RecordPath: "/tmp/x.loupe"}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid details: %v", err)
	}
	missing := WizardDetails{Case: "OP-X"}
	if err := missing.Validate(); err == nil || err.Error() != "missing: exhibit reference, examiner name, record file" {
		t.Errorf("missing: %v", err)
	}
	bad := ok
	bad.Zone = "Mars/Olympus"
	if err := bad.Validate(); err == nil {
		t.Error("unknown zone accepted")
	}
}
