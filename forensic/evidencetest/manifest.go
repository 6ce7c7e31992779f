package evidencetest

import (
	"time"
)

// Fixtures mirrors testdata/evidence/manifest.json (what Manifest returns;
// a type cannot share the function's name), written by
// testdata/gen/make-fixtures.sh in the same run that built the evidence.
// Every value in it came from a real tool (mmls, fsstat, fls, istat, icat,
// ewfinfo) run on the committed outputs, so tests compare against it instead
// of hard-coding numbers a regeneration would change.
type Fixtures struct {
	Generated   time.Time         `json:"generated"`
	FixtureDate time.Time         `json:"fixture_date"` // the faked clock the tools ran under
	Generator   string            `json:"generator"`
	Tools       map[string]string `json:"tools"` // tool name -> version line
	Disks       map[string]*Disk  `json:"disks"` // "gpt", "mbr"
}

// Disk is one evidence disk and every container made of it.
type Disk struct {
	Raw        string `json:"raw"` // gzipped whole disk, e.g. "gpt.raw.gz"
	Size       int64  `json:"size"`
	SectorSize int    `json:"sector_size"`
	MD5        string `json:"md5"`
	SHA1       string `json:"sha1"`
	SHA256     string `json:"sha256"`
	// Split lists the gzipped pieces of the split raw image in order
	// ("gpt.raw.001.gz", ...); empty when the disk has no split form.
	Split []string `json:"split,omitempty"`
	// E01 lists the EnCase segments in order ("gpt.E01", "gpt.E02").
	E01         []string    `json:"e01"`
	E01Metadata E01Metadata `json:"e01_metadata"`
	E01Stored   Digests     `json:"e01_stored"` // hashes recorded in the E01 by ewfacquire
	E01Info     E01Info     `json:"e01_info"`
	// PartitionTable is "gpt" or "dos".
	PartitionTable string      `json:"partition_table"`
	Partitions     []Partition `json:"partitions"`
	// Gaps are the unallocated rows of mmls (including the space before
	// the first partition and after the last).
	Gaps  []Gap  `json:"gaps"`
	Files []File `json:"files"`
}

// Digests are lower-case hex.
type Digests struct {
	MD5  string `json:"md5"`
	SHA1 string `json:"sha1"`
}

// E01Metadata is the case metadata as ewfinfo reports it. Acquired and
// SystemDate are RFC 3339 in UTC (the acquisition ran with TZ=UTC).
type E01Metadata struct {
	CaseNumber          string `json:"case_number"`
	EvidenceNumber      string `json:"evidence_number"`
	Examiner            string `json:"examiner"`
	Description         string `json:"description"`
	Notes               string `json:"notes"`
	Acquired            string `json:"acquired"`
	SystemDate          string `json:"system_date"`
	AcquisitionOS       string `json:"acquisition_os"`
	AcquisitionSoftware string `json:"acquisition_software"` // the header's version field, e.g. "20140813"
}

// E01Info holds container facts as ewfinfo prints them (strings, verbatim).
type E01Info struct {
	FileFormat           string `json:"file_format"`
	SectorsPerChunk      string `json:"sectors_per_chunk"`
	CompressionMethod    string `json:"compression_method"`
	CompressionLevel     string `json:"compression_level"`
	MediaType            string `json:"media_type"`
	IsPhysical           string `json:"is_physical"`
	BytesPerSector       string `json:"bytes_per_sector"`
	NumberOfSectors      string `json:"number_of_sectors"`
	MediaSize            string `json:"media_size"`
	SegmentSizeRequested int64  `json:"segment_size_requested,omitempty"` // ewfacquire -S
}

// Partition is an allocated mmls row. Index numbers allocated partitions
// from 1 in mmls's listing order, skipping Meta and unallocated rows.
type Partition struct {
	Index        int    `json:"index"`
	MMLSSlot     string `json:"mmls_slot"`  // mmls row number, e.g. "004"
	TableSlot    string `json:"table_slot"` // mmls "Slot" column, e.g. "000" or "001:000"
	StartSector  int64  `json:"start_sector"`
	Sectors      int64  `json:"sectors"`
	Type         string `json:"type"` // mmls description (GPT: partition name)
	FS           string `json:"fs"`   // "ntfs" or "ext4" (from fsstat)
	Label        string `json:"label"`
	VolumeSerial string `json:"volume_serial,omitempty"` // NTFS, as fsstat prints it
	VolumeID     string `json:"volume_id,omitempty"`     // ext4 UUID as fsstat prints it
}

// Gap is an unallocated region of the disk.
type Gap struct {
	StartSector int64 `json:"start_sector"`
	Sectors     int64 `json:"sectors"`
}

// File is one regular file or directory fls lists (deleted ones included;
// the virtual $OrphanFiles directory excluded). NTFS named data streams are
// folded into their file's Streams; metadata files that have only named
// attributes ($Secure:$SDS) appear under the name fls prints.
type File struct {
	Partition int    `json:"partition"` // Partition.Index
	FS        string `json:"fs"`
	Path      string `json:"path"`     // absolute, as fls -p prints it with "/" prepended
	TSKAddr   string `json:"tsk_addr"` // fls address: NTFS "entry-type-id", ext4 inode
	// Inode is ext4's inode number, or for NTFS "entry-sequence" where the
	// sequence is the one in the MFT record header (istat's "Sequence:").
	// ntfs-3g increments a record's sequence when it frees it, so a deleted
	// file's sequence is one more than its stale directory entry's.
	Inode    string `json:"inode"`
	MFTEntry uint64 `json:"mft_entry,omitempty"`
	Sequence uint16 `json:"sequence,omitempty"`
	Size     int64  `json:"size"` // fls -l (NTFS: the unnamed $DATA's size)
	Deleted  bool   `json:"deleted"`
	Type     string `json:"type"` // "file" or "dir"
	// System marks NTFS metadata files (entries < 24, $Extend/*).
	System        bool     `json:"system,omitempty"`
	Streams       []string `json:"streams,omitempty"`
	StreamDetails []Stream `json:"stream_details,omitempty"`
	UID           *int     `json:"uid,omitempty"` // ext4 only
	GID           *int     `json:"gid,omitempty"`
	// Times as istat prints them, sub-second part included, UTC (NTFS:
	// $STANDARD_INFORMATION, with Ctime the MFT-modified time). The
	// generator keeps mtime as the tree hooks set it and derives distinct
	// crtime < mtime < atime (ext4 also ctime) per path (testdata/gen/times.py).
	Mtime  time.Time `json:"mtime"`
	Atime  time.Time `json:"atime"`
	Ctime  time.Time `json:"ctime"`
	Crtime time.Time `json:"crtime"`
	// Dtime is ext4's deletion time (deleted inodes only).
	Dtime time.Time `json:"dtime,omitzero"`
	// FNTimes are the times of the NTFS entry's first $FILE_NAME attribute.
	FNTimes *Times `json:"fn_times,omitempty"`
	// SHA256 of icat's output; empty for directories and for content icat
	// cannot return in full.
	SHA256 string `json:"sha256,omitempty"`
	// OriginalPath is where a deleted file lived (set for the files the
	// generator deleted); Recoverable says icat returned its full content
	// and, when the original is known, that it matches.
	OriginalPath string `json:"original_path,omitempty"`
	Recoverable  bool   `json:"recoverable,omitempty"`
}

// Times is a set of MAC-B times.
type Times struct {
	Mtime  time.Time `json:"mtime"`
	Atime  time.Time `json:"atime"`
	Ctime  time.Time `json:"ctime"`
	Crtime time.Time `json:"crtime"`
}

// Stream is an NTFS named $DATA stream (or other named attribute fls lists).
type Stream struct {
	Name    string `json:"name"`
	TSKAddr string `json:"tsk_addr"`
	Size    int64  `json:"size"`
	SHA256  string `json:"sha256"` // empty when icat returns fewer than Size bytes (e.g. uninitialised $BadClus:$Bad)
}

// Partition returns the partition with the given index, or nil.
func (d *Disk) Partition(index int) *Partition {
	for i := range d.Partitions {
		if d.Partitions[i].Index == index {
			return &d.Partitions[i]
		}
	}
	return nil
}

// FilesOn returns the entries of one partition, in fls order.
func (d *Disk) FilesOn(partition int) []File {
	var out []File
	for _, f := range d.Files {
		if f.Partition == partition {
			out = append(out, f)
		}
	}
	return out
}

// File returns the entry at path on a partition, or nil. When a path is
// listed more than once (a deleted and a live file of the same name), the
// live one wins.
func (d *Disk) File(partition int, path string) *File {
	var found *File
	for i := range d.Files {
		f := &d.Files[i]
		if f.Partition != partition || f.Path != path {
			continue
		}
		if !f.Deleted {
			return f
		}
		if found == nil {
			found = f
		}
	}
	return found
}
