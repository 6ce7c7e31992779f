module github.com/loupe-forensics/loupe

go 1.26.8

require (
	fyne.io/fyne/v2 v2.7.1 // indirect
	github.com/ProtonMail/go-crypto v1.5.2 // indirect
	github.com/dustin/go-humanize v1.1.0 // indirect
	github.com/go-pdf/fpdf v0.9.0 // indirect
	github.com/mattn/go-sqlite3 v1.14.53 // indirect
	github.com/pierrec/lz4/v4 v4.1.33 // indirect
	github.com/syndtr/goleveldb v1.0.0 // indirect
	golang.org/x/crypto v0.59.0 // indirect
	www.velocidex.com/golang/go-ntfs v0.2.1 // indirect
)
