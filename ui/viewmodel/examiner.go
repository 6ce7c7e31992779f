package viewmodel

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"

	"github.com/loupe-forensics/loupe/forensic/record"
)

// Prefs is the part of fyne.Preferences the app keeps its settings in
// (the examiner profile and the recent records); tests pass a map.
type Prefs interface {
	String(key string) string
	SetString(key, value string)
	StringList(key string) []string
	SetStringList(key string, value []string)
}

// Preference keys.
const (
	prefExaminerName = "examiner.name"
	prefExaminerRole = "examiner.role"
	prefRecent       = "records.recent"
)

// ExaminerProfile is who uses this workstation account.
type ExaminerProfile struct {
	Name, Role string
	// Fingerprint of the signing key (set by SetUpExaminer).
	Fingerprint string
}

// LoadExaminer returns the saved profile; ok is false on first run.
func LoadExaminer(p Prefs) (ExaminerProfile, bool) {
	ex := ExaminerProfile{Name: p.String(prefExaminerName), Role: p.String(prefExaminerRole)}
	return ex, strings.TrimSpace(ex.Name) != ""
}

// SetUpExaminer makes (or loads) the examiner's Ed25519 signing key in
// keyDir ("" for record.DefaultKeyDir) and saves the profile. The private
// key never leaves the key folder; the record holds only the public key.
func SetUpExaminer(p Prefs, keyDir string, ex ExaminerProfile) (ExaminerProfile, error) {
	ex.Name, ex.Role = strings.TrimSpace(ex.Name), strings.TrimSpace(ex.Role)
	if ex.Name == "" {
		return ex, errors.New("the examiner's name is required: it signs every checkpoint")
	}
	if keyDir == "" {
		keyDir = record.DefaultKeyDir()
	}
	key, err := record.ExaminerKey(keyDir, ex.Name)
	if err != nil {
		return ex, fmt.Errorf("signing key for %s: %w", ex.Name, err)
	}
	ex.Fingerprint = record.Fingerprint(key.Public().(ed25519.PublicKey))
	p.SetString(prefExaminerName, ex.Name)
	p.SetString(prefExaminerRole, ex.Role)
	return ex, nil
}

// maxRecent is how many records the start screen remembers.
const maxRecent = 10

// RecentRecords lists remembered record paths, newest first.
func RecentRecords(p Prefs) []string { return p.StringList(prefRecent) }

// RememberRecord puts a record first in the recent list (once, at most 10).
func RememberRecord(p Prefs, path string) []string {
	out := []string{path}
	for _, r := range p.StringList(prefRecent) {
		if r != path && len(out) < maxRecent {
			out = append(out, r)
		}
	}
	p.SetStringList(prefRecent, out)
	return out
}

// ForgetRecord drops a path from the recent list (a record that has moved).
func ForgetRecord(p Prefs, path string) []string {
	var out []string
	for _, r := range p.StringList(prefRecent) {
		if r != path {
			out = append(out, r)
		}
	}
	p.SetStringList(prefRecent, out)
	return out
}
