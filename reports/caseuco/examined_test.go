package caseuco

import (
	"os"
	"testing"

	"github.com/loupe-forensics/loupe/reports/reporttest"
)

// examined is the real examination record the tests render
// (reports/reporttest).
type examined = reporttest.Examined

func examineFixture(t *testing.T) *examined { return reporttest.Examine(t) }

func TestMain(m *testing.M) {
	code := m.Run()
	reporttest.Cleanup()
	os.Exit(code)
}
