package imaging

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ewfSignature starts every EWF-E01 segment file ("EVF" 0x09 0x0d 0x0a 0xff 0x00).
var ewfSignature = []byte("EVF\x09\x0d\x0a\xff\x00")

// lvfSignature starts EWF-L01 logical evidence files, which hold files, not media.
var lvfSignature = []byte("LVF\x09\x0d\x0a\xff\x00")

// Open opens evidence read-only. The container is detected by content: an
// EWF signature means E01 (further segments are found beside the first when
// only it is named); otherwise the bytes are raw media, split when several
// pieces are named or the one named is the first of a numbered series
// (.001/.002…, .aa/.ab…). Block devices are accepted only when the kernel
// reports them read-only.
func Open(ctx context.Context, paths ...string) (Image, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: no files given", ErrNotImage)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	first, err := openEvidence(paths[0])
	if err != nil {
		return nil, err
	}
	head := make([]byte, 8)
	n, _ := first.f.ReadAt(head, 0)
	head = head[:n]
	switch {
	case string(head) == string(ewfSignature):
		first.Close()
		segs := paths
		if len(paths) == 1 {
			segs, err = ewfSegmentNames(paths[0])
			if err != nil {
				return nil, err
			}
		}
		return openEWF(ctx, segs)
	case string(head) == string(lvfSignature):
		first.Close()
		return nil, fmt.Errorf("%w: %s is an EWF-L01 logical evidence file, not a media image", ErrNotImage, paths[0])
	}
	pieces := paths
	if len(paths) == 1 {
		pieces = splitSeriesNames(paths[0])
	}
	if len(pieces) == 1 {
		return newRaw([]*evidenceFile{first}, FormatRaw)
	}
	files := []*evidenceFile{first}
	if pieces[0] != paths[0] {
		first.Close()
		files = nil
	} else {
		pieces = pieces[1:]
	}
	for _, p := range pieces {
		f, err := openEvidence(p)
		if err != nil {
			closeAll(files)
			return nil, err
		}
		files = append(files, f)
	}
	return newRaw(files, FormatSplit)
}

// evidenceFile is one file of a container, opened O_RDONLY.
type evidenceFile struct {
	path string
	f    *os.File
	size int64
}

func (e *evidenceFile) Close() error { return e.f.Close() }

func closeAll(fs []*evidenceFile) {
	for _, f := range fs {
		f.Close()
	}
}

// openEvidence opens one evidence file read-only. Nothing in Loupe opens
// evidence any other way: O_RDONLY, never O_CREATE/O_TRUNC, and block
// devices only when BLKROGET says the kernel will refuse writes.
func openEvidence(path string) (*evidenceFile, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotImage, path, err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%w: %s is a folder", ErrNotImage, path)
	}
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("open evidence %s: %w", path, err)
	}
	size := fi.Size()
	if fi.Mode()&os.ModeDevice != 0 {
		ro, err := unix.IoctlGetInt(int(f.Fd()), unix.BLKROGET)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: cannot ask the kernel whether the device is read-only: %w", path, err)
		}
		if ro == 0 {
			f.Close()
			return nil, fmt.Errorf("%w: %s; set it read-only first (blockdev --setro %s) or use a hardware write blocker", ErrWritable, path, path)
		}
		end, err := f.Seek(0, io.SeekEnd)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: size of block device: %w", path, err)
		}
		size = end
	} else if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%w: %s is not a regular file or block device", ErrNotImage, path)
	}
	return &evidenceFile{path: path, f: f, size: size}, nil
}

var (
	numericSuffix = regexp.MustCompile(`^(.*\.)(\d{3,})$`)
	alphaSuffix   = regexp.MustCompile(`^(.*\.)([a-z]{2})$`)
)

// splitSeriesNames returns the pieces of a split raw series that starts at
// path (path itself first), or just path when it is not the first piece.
func splitSeriesNames(path string) []string {
	out := []string{path}
	if m := numericSuffix.FindStringSubmatch(path); m != nil {
		n, _ := strconv.Atoi(m[2])
		if n != 0 && n != 1 {
			return out
		}
		for i := n + 1; ; i++ {
			next := m[1] + fmt.Sprintf("%0*d", len(m[2]), i)
			if !exists(next) {
				break
			}
			out = append(out, next)
		}
		return out
	}
	if m := alphaSuffix.FindStringSubmatch(path); m != nil && m[2] == "aa" {
		for i := 1; i < 26*26; i++ {
			next := m[1] + string([]byte{byte('a' + i/26), byte('a' + i%26)})
			if !exists(next) {
				break
			}
			out = append(out, next)
		}
	}
	return out
}

// ewfSegmentNames lists the segment files of an E01 named by its first
// segment: .E01….E99, then .EAA….EZZ (the case of the extension is kept).
// Which segments must exist is decided later from the tables' chunk counts.
func ewfSegmentNames(first string) ([]string, error) {
	ext := filepath.Ext(first)
	if len(ext) != 4 || !strings.EqualFold(ext[1:], "E01") {
		// Not named as a first segment: take it alone; the reader reports a
		// missing segment if the tables say more chunks exist.
		return []string{first}, nil
	}
	base := strings.TrimSuffix(first, ext)
	upper := ext[1] == 'E'
	names := []string{first}
	for i := 2; ; i++ {
		suffix := ewfSuffix(i)
		if suffix == "" {
			break
		}
		if !upper {
			suffix = strings.ToLower(suffix)
		}
		p := base + "." + suffix
		if !exists(p) {
			break
		}
		names = append(names, p)
	}
	return names, nil
}

// ewfSuffix returns the extension of segment number n (1-based): E01…E99,
// EAA…EZZ, FAA…ZZZ as libewf names them; "" past the last.
func ewfSuffix(n int) string {
	if n < 1 {
		return ""
	}
	if n <= 99 {
		return fmt.Sprintf("E%02d", n)
	}
	n -= 100
	first := 'E' + n/(26*26)
	if first > 'Z' {
		return ""
	}
	return string([]rune{rune(first), rune('A' + (n/26)%26), rune('A' + n%26)})
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
