package ui

import (
	"image/color"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// Preference keys.
const (
	prefTheme = "display.theme" // "light", "dark" or "" (follow the system)
	// prefZone + record ID: the zone the examiner chose for that record,
	// which overrides the case's display_zone on this workstation.
	prefZone = "display.zone."
)

// variantTheme is the default theme pinned to one variant, so the
// examiner's choice holds whatever the desktop prefers.
type variantTheme struct {
	fyne.Theme
	v fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.v)
}

// ApplyTheme sets the app's theme from a preference value.
func ApplyTheme(a fyne.App, name string) {
	switch name {
	case "light":
		a.Settings().SetTheme(variantTheme{theme.DefaultTheme(), theme.VariantLight})
	case "dark":
		a.Settings().SetTheme(variantTheme{theme.DefaultTheme(), theme.VariantDark})
	default:
		a.Settings().SetTheme(theme.DefaultTheme())
	}
}

// ApplySavedTheme applies the theme saved in the app's preferences.
func ApplySavedTheme(a fyne.App) {
	ApplyTheme(a, a.Preferences().String(prefTheme))
}

// Zones offered by the display-zone selector (any IANA name can be typed).
var Zones = []string{"Europe/London", "UTC", "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "America/New_York", "Asia/Singapore"}

// DisplayTab is the display settings tab constructor: theme and zone.
func DisplayTab(s *viewmodel.Session, w fyne.Window) fyne.CanvasObject {
	return NewDisplaySettings(s, fyne.CurrentApp()).Content()
}

// DisplaySettings holds the theme toggle (saved in the preferences) and
// the display-zone selector (remembered per record on this workstation;
// times stay stored in UTC).
type DisplaySettings struct {
	S      *viewmodel.Session
	Theme  *widget.RadioGroup
	Zone   *widget.SelectEntry
	Status *widget.Label

	app     fyne.App
	content fyne.CanvasObject
}

// NewDisplaySettings builds the settings and applies the saved theme.
func NewDisplaySettings(s *viewmodel.Session, a fyne.App) *DisplaySettings {
	d := &DisplaySettings{S: s, app: a}
	d.Status = widget.NewLabel("")
	d.Status.Wrapping = fyne.TextWrapWord
	d.Theme = widget.NewRadioGroup([]string{"Light", "Dark", "Follow the system"}, func(sel string) {
		name := map[string]string{"Light": "light", "Dark": "dark"}[sel]
		if a == nil {
			return
		}
		a.Preferences().SetString(prefTheme, name)
		ApplyTheme(a, name)
	})
	d.Theme.Horizontal = true
	cur := ""
	if a != nil {
		cur = a.Preferences().String(prefTheme)
	}
	d.Theme.Selected = map[string]string{"light": "Light", "dark": "Dark"}[cur]
	if d.Theme.Selected == "" {
		d.Theme.Selected = "Follow the system"
	}
	if a != nil {
		ApplyTheme(a, cur)
		if s.Record != nil {
			if loc := RememberedZone(a, s.Record.ID()); loc != nil {
				s.Zone = loc
			}
		}
	}
	d.Zone = widget.NewSelectEntry(Zones)
	d.Zone.SetText(s.DisplayZone().String())
	d.Zone.OnChanged = func(name string) { d.SetZone(name) }
	d.content = container.NewVBox(
		widget.NewLabelWithStyle("Theme", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), d.Theme,
		widget.NewLabelWithStyle("Display time zone", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel("Times are stored in UTC; this zone is used to show them, and its abbreviation is printed with every time."),
		d.Zone, d.Status)
	return d
}

// Content returns the view's root object.
func (d *DisplaySettings) Content() fyne.CanvasObject { return d.content }

// SetZone switches the session's display zone and tells the other views.
// An unknown zone name is refused and the current zone kept.
func (d *DisplaySettings) SetZone(name string) bool {
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		d.Status.SetText("Unknown zone " + name + "; still showing " + d.S.DisplayZone().String())
		return false
	}
	d.S.Zone = loc
	if d.app != nil && d.zoneKey() != "" {
		d.app.Preferences().SetString(d.zoneKey(), loc.String())
	}
	now := time.Now()
	d.Status.SetText("Times now shown in " + loc.String() + " (" + now.In(loc).Format("MST, UTC-07:00") + " today). Notes, reviews and reports show it when reopened; Reload the artefacts and the timeline.")
	if d.S.Changed != nil {
		d.S.Changed()
	}
	return true
}

// RememberedZone returns the zone the examiner chose for a record on this
// workstation, or nil. The shell can apply it when it opens the record, so
// its header shows the same zone as the views.
func RememberedZone(a fyne.App, recordID string) *time.Location {
	if a == nil || recordID == "" {
		return nil
	}
	z := a.Preferences().String(prefZone + recordID)
	if z == "" {
		return nil
	}
	loc, err := time.LoadLocation(z)
	if err != nil {
		return nil
	}
	return loc
}

// zoneKey is the preference holding this record's zone ("" without a record).
func (d *DisplaySettings) zoneKey() string {
	if d.S.Record == nil {
		return ""
	}
	return prefZone + d.S.Record.ID()
}

func removeIfEmpty(p string) error {
	fi, err := os.Stat(p)
	if err != nil || fi.Size() != 0 {
		return err
	}
	return os.Remove(p)
}
