module github.com/loupe-forensics/loupe/testdata/gen/sqlcipher4

go 1.26

require github.com/mutecomm/go-sqlcipher/v4 v4.4.2
