package filetype

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"
)

// Type is one identified file format.
type Type struct {
	ID          string   // short stable identifier recorded in the "type" attribute
	MIME        string   // media type; "application/octet-stream" when none is registered
	Description string   // human-readable name for reports
	Extensions  []string // extensions this format is normally saved with (lower case, no dot)
}

// signature identifies one type from the leading bytes of a file. match
// receives the head (at most artefacts.HeadSize bytes) and must not assume
// any particular length: evidence files are often truncated.
type signature struct {
	typ   Type
	match func(head []byte) bool
}

// Fallback types, used when no signature matches.
var (
	typeEmpty = Type{ID: "empty", MIME: "application/x-empty", Description: "empty file"}
	typeText  = Type{ID: "text", MIME: "text/plain", Description: "text (UTF-8 or ASCII)", Extensions: []string{"txt", "log", "csv", "md", "ini", "cfg", "conf"}}
	typeData  = Type{ID: "data", MIME: "application/octet-stream", Description: "unidentified binary data"}
)

func prefix(p string) func([]byte) bool {
	return func(h []byte) bool { return bytes.HasPrefix(h, []byte(p)) }
}

func at(off int, p string) func([]byte) bool {
	return func(h []byte) bool { return len(h) >= off+len(p) && string(h[off:off+len(p)]) == p }
}

// signatures is ordered: more specific formats come before the general
// format they are built on (OOXML before ZIP, PE before nothing).
// Sources: each format's own specification (PNG RFC 2083 §3.1, GIF89a,
// JFIF/Exif SOI marker, PKWARE APPNOTE 4.3.7, SQLite file format §1.3,
// SQLite WAL format §4.1, ELF gABI, PE/COFF §2, RFC 1952, xz file format
// 1.0.4 §2.1.1.1, 7z format doc, RARLAB technote, [MS-CFB] §2.2, Berkeley DB
// db.h magic numbers, GnuPG keybox.h, RFC 4880 §6.2, LUKS on-disk format).
var signatures = []signature{
	{Type{"pdf", "application/pdf", "PDF document", []string{"pdf"}}, pdfMatch},
	{Type{"png", "image/png", "PNG image", []string{"png"}}, prefix("\x89PNG\r\n\x1a\n")},
	{Type{"jpeg", "image/jpeg", "JPEG image", []string{"jpg", "jpeg", "jpe", "jfif"}}, jpegMatch},
	{Type{"gif", "image/gif", "GIF image", []string{"gif"}}, func(h []byte) bool {
		return bytes.HasPrefix(h, []byte("GIF87a")) || bytes.HasPrefix(h, []byte("GIF89a"))
	}},
	{Type{"webp", "image/webp", "WebP image", []string{"webp"}}, func(h []byte) bool {
		return bytes.HasPrefix(h, []byte("RIFF")) && at(8, "WEBP")(h)
	}},
	{Type{"tiff", "image/tiff", "TIFF image", []string{"tif", "tiff"}}, func(h []byte) bool {
		return bytes.HasPrefix(h, []byte("II*\x00")) || bytes.HasPrefix(h, []byte("MM\x00*"))
	}},
	{Type{"mp4", "video/mp4", "ISO base media file (MP4, MOV, HEIC)", []string{"mp4", "m4a", "m4v", "mov", "heic", "3gp"}}, at(4, "ftyp")},
	{Type{"ooxml", "application/vnd.openxmlformats-officedocument", "Office Open XML document (ZIP)", []string{"docx", "xlsx", "pptx", "docm", "xlsm", "pptm"}}, ooxmlMatch},
	{Type{"opendocument", "application/vnd.oasis.opendocument", "OpenDocument (ZIP)", []string{"odt", "ods", "odp", "odg"}}, func(h []byte) bool {
		return bytes.HasPrefix(h, []byte("PK\x03\x04")) && at(30, "mimetypeapplication/vnd.oasis.opendocument")(h)
	}},
	{Type{"epub", "application/epub+zip", "EPUB book (ZIP)", []string{"epub"}}, func(h []byte) bool {
		return bytes.HasPrefix(h, []byte("PK\x03\x04")) && at(30, "mimetypeapplication/epub+zip")(h)
	}},
	{Type{"zip", "application/zip", "ZIP archive", []string{"zip", "jar", "apk", "xpi", "crx", "whl"}}, func(h []byte) bool {
		// Local file header, or the end-of-central-directory record of an empty archive.
		return bytes.HasPrefix(h, []byte("PK\x03\x04")) || (len(h) == 22 && bytes.HasPrefix(h, []byte("PK\x05\x06")))
	}},
	{Type{"sqlite", "application/vnd.sqlite3", "SQLite 3 database", []string{"sqlite", "sqlite3", "db", "db3"}}, prefix("SQLite format 3\x00")},
	{Type{"sqlite-wal", "application/octet-stream", "SQLite write-ahead log", []string{"db-wal", "sqlite-wal"}}, func(h []byte) bool {
		if len(h) < 32 {
			return false
		}
		m := binary.BigEndian.Uint32(h)
		// Magic 0x377f0682/3 and file format version 3007000.
		return (m == 0x377f0682 || m == 0x377f0683) && binary.BigEndian.Uint32(h[4:]) == 3007000
	}},
	{Type{"berkeley-db", "application/x-berkeley-db", "Berkeley DB database", []string{"db", "dat"}}, bdbMatch},
	{Type{"elf", "application/x-elf", "ELF executable or object", []string{"so", "o", "ko"}}, func(h []byte) bool {
		return bytes.HasPrefix(h, []byte("\x7fELF")) && len(h) >= 6 && (h[4] == 1 || h[4] == 2) && (h[5] == 1 || h[5] == 2)
	}},
	{Type{"pe", "application/vnd.microsoft.portable-executable", "Windows PE executable", []string{"exe", "dll", "sys", "scr", "ocx", "cpl", "efi"}}, peMatch},
	{Type{"gzip", "application/gzip", "gzip compressed data", []string{"gz", "tgz"}}, prefix("\x1f\x8b\x08")},
	{Type{"xz", "application/x-xz", "xz compressed data", []string{"xz", "txz"}}, prefix("\xfd7zXZ\x00")},
	{Type{"bzip2", "application/x-bzip2", "bzip2 compressed data", []string{"bz2", "tbz2"}}, func(h []byte) bool {
		// "BZh", block size '1'-'9', then a block header magic (pi) or the end-of-stream magic (sqrt pi).
		return len(h) >= 10 && bytes.HasPrefix(h, []byte("BZh")) && h[3] >= '1' && h[3] <= '9' &&
			(bytes.Equal(h[4:10], []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59}) || bytes.Equal(h[4:10], []byte{0x17, 0x72, 0x45, 0x38, 0x50, 0x90}))
	}},
	{Type{"zstd", "application/zstd", "Zstandard compressed data", []string{"zst"}}, prefix("\x28\xb5\x2f\xfd")},
	{Type{"lz4", "application/x-lz4", "LZ4 frame", []string{"lz4"}}, prefix("\x04\x22\x4d\x18")},
	{Type{"mozlz4", "application/x-mozlz4", "Mozilla LZ4 (jsonlz4)", []string{"jsonlz4", "mozlz4", "baklz4"}}, prefix("mozLz40\x00")},
	{Type{"7z", "application/x-7z-compressed", "7-Zip archive", []string{"7z"}}, prefix("7z\xbc\xaf\x27\x1c")},
	{Type{"rar", "application/vnd.rar", "RAR archive", []string{"rar"}}, func(h []byte) bool {
		return bytes.HasPrefix(h, []byte("Rar!\x1a\x07\x00")) || bytes.HasPrefix(h, []byte("Rar!\x1a\x07\x01\x00"))
	}},
	{Type{"tar", "application/x-tar", "tar archive", []string{"tar"}}, func(h []byte) bool {
		return at(257, "ustar\x0000")(h) || at(257, "ustar  \x00")(h)
	}},
	{Type{"ole2", "application/x-ole-storage", "OLE2 compound file (legacy Office, MSI, thumbs.db)", []string{"doc", "xls", "ppt", "msi", "msg", "db"}}, prefix("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")},
	{Type{"luks", "application/x-luks", "LUKS encrypted volume", []string{"luks", "img"}}, func(h []byte) bool {
		return len(h) >= 8 && bytes.HasPrefix(h, []byte("LUKS\xba\xbe")) && h[6] == 0 && (h[7] == 1 || h[7] == 2)
	}},
	{Type{"gpg-keybox", "application/x-gnupg-keybox", "GnuPG keybox (pubring.kbx)", []string{"kbx"}}, func(h []byte) bool {
		// First blob: u32 length, type 1, version 1, flags, then "KBXf" at 8.
		return len(h) >= 12 && h[4] == 1 && h[5] == 1 && string(h[8:12]) == "KBXf"
	}},
	{Type{"pgp-armor", "application/pgp-keys", "OpenPGP ASCII armour", []string{"asc", "pgp", "gpg", "sig", "txt", "rev"}}, pgpArmorMatch},
	{Type{"pgp-binary", "application/pgp-keys", "OpenPGP binary key material", []string{"gpg", "pgp", "key", "kbx"}}, pgpBinaryMatch},
	{Type{"evtx", "application/x-ms-evtx", "Windows XML event log", []string{"evtx"}}, prefix("ElfFile\x00")},
	{Type{"registry", "application/x-ms-registry", "Windows registry hive", []string{"dat", "hve"}}, func(h []byte) bool {
		return bytes.HasPrefix(h, []byte("regf")) && at(512, "hbin")(h)
	}},
	{Type{"lnk", "application/x-ms-shortcut", "Windows shortcut", []string{"lnk"}}, prefix("\x4c\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46")},
}

// pdfMatch accepts "%PDF-" within the first 1024 bytes, as readers do
// (ISO 32000-1 §7.5.2 tolerates leading junk; Acrobat scans 1 KiB).
func pdfMatch(h []byte) bool {
	n := len(h)
	if n > 1024 {
		n = 1024
	}
	return bytes.Contains(h[:n], []byte("%PDF-"))
}

// jpegMatch wants the SOI marker followed by another marker (APPn, DQT,
// SOF, COM), not just FF D8 FF which random data hits once in 16 M.
func jpegMatch(h []byte) bool {
	if len(h) < 4 || h[0] != 0xff || h[1] != 0xd8 || h[2] != 0xff {
		return false
	}
	m := h[3]
	return (m >= 0xe0 && m <= 0xef) || m == 0xdb || m == 0xc0 || m == 0xc2 || m == 0xc4 || m == 0xfe || m == 0xdd
}

// ooxmlMatch: a ZIP whose first local file header names [Content_Types].xml,
// or whose head mentions it together with a _rels/ part (writers other than
// Office put the parts in other orders).
func ooxmlMatch(h []byte) bool {
	if !bytes.HasPrefix(h, []byte("PK\x03\x04")) {
		return false
	}
	if at(30, "[Content_Types].xml")(h) {
		return true
	}
	return bytes.Contains(h, []byte("[Content_Types].xml")) && bytes.Contains(h, []byte("_rels/"))
}

// bdbMatch checks the Berkeley DB metadata page magic at offset 12, in
// either byte order: btree 0x053162, hash 0x061561, queue 0x042253,
// log 0x040988 (db.h DB_BTREEMAGIC etc.).
func bdbMatch(h []byte) bool {
	if len(h) < 16 {
		return false
	}
	for _, m := range []uint32{binary.LittleEndian.Uint32(h[12:]), binary.BigEndian.Uint32(h[12:])} {
		switch m {
		case 0x053162, 0x061561, 0x042253:
			return true
		}
	}
	return false
}

// peMatch requires "MZ" and a "PE\0\0" signature at e_lfanew inside the head.
func peMatch(h []byte) bool {
	if len(h) < 0x40 || h[0] != 'M' || h[1] != 'Z' {
		return false
	}
	off := binary.LittleEndian.Uint32(h[0x3c:])
	if off < 0x40 || uint64(off)+4 > uint64(len(h)) {
		return false
	}
	return string(h[off:off+4]) == "PE\x00\x00"
}

var armorPrefix = []byte("-----BEGIN PGP ")

// pgpArmorMatch accepts armour at the start of the file after an optional
// UTF-8 BOM and white space (RFC 4880 §6.2 allows text before it, but an
// armour block deeper in a text file is the carve parsers' business).
func pgpArmorMatch(h []byte) bool {
	h = bytes.TrimPrefix(h, []byte("\xef\xbb\xbf"))
	h = bytes.TrimLeft(h, " \t\r\n")
	return bytes.HasPrefix(h, armorPrefix)
}

// pgpBinaryMatch recognises a transferable key as gpg --export writes it:
// a public- or secret-key packet (tag 6 or 5, old or new packet format)
// whose body is a version 4 or 5 key with a known public-key algorithm.
func pgpBinaryMatch(h []byte) bool {
	if len(h) < 8 || h[0]&0x80 == 0 {
		return false
	}
	var tag byte
	var body int
	if h[0]&0x40 != 0 { // new format
		tag = h[0] & 0x3f
		switch l := h[1]; {
		case l < 192:
			body = 2
		case l < 224:
			body = 3
		case l == 255:
			body = 6
		default:
			return false
		}
	} else { // old format
		tag = (h[0] >> 2) & 0x0f
		switch h[0] & 3 {
		case 0:
			body = 2
		case 1:
			body = 3
		case 2:
			body = 5
		default:
			return false
		}
	}
	if tag != 5 && tag != 6 {
		return false
	}
	if len(h) < body+6 {
		return false
	}
	v := h[body]
	if v != 4 && v != 5 {
		return false
	}
	// version, 4-byte creation time, then the algorithm (RFC 4880 §5.5.2, RFC 9580 §5.5.2).
	switch h[body+5] {
	case 1, 2, 3, 16, 17, 18, 19, 22, 25, 27:
		return true
	}
	return false
}

// looksText reports whether the head is printable UTF-8 (a cut rune at the
// end of a truncated head is allowed) with no NUL bytes.
func looksText(h []byte) bool {
	if bytes.IndexByte(h, 0) >= 0 {
		return false
	}
	// Allow a multi-byte rune cut by the head limit.
	for i := 0; i < 3 && len(h) > 0 && !utf8.Valid(h); i++ {
		h = h[:len(h)-1]
	}
	if !utf8.Valid(h) {
		return false
	}
	ctl := 0
	for _, c := range h {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b {
			ctl++
		}
	}
	// A few stray control bytes happen in real logs; binary has many.
	return ctl*100 <= len(h)
}
