package models

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// TestImportCSVOverlongRecords: a record over MaxCSVRecordBytes is that
// record's rejection, at its first physical line, and the rows around it
// go in with their own line numbers.
func TestImportCSVOverlongRecords(t *testing.T) {
	long := strings.Repeat("x", MaxCSVRecordBytes+1)
	manyLines := strings.Repeat(strings.Repeat("y", 1000)+"\n", 100)
	var manyRows strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&manyRows, "B%d,ios\n", i)
	}
	tests := []struct {
		name     string
		csv      string
		imported int64
		rejected []string
	}{
		{name: "one long line", csv: "cid,platform\nA,ios\nB," + long + "\nC,ios\nD,windows\n", imported: 2,
			rejected: []string{"3::err.csv_record_too_long", "5:platform:err.audience_platform"}},
		{name: "long quoted field over many lines", csv: "cid,platform\nA,ios\nB,\"" + manyLines + "\"\nC,ios\nD,windows\n", imported: 2,
			rejected: []string{"3::err.csv_record_too_long", "105:platform:err.audience_platform"}},
		{name: "quote never closed", csv: "cid,platform\nA,ios\nB,\"" + manyLines + "C,ios\n", imported: 1,
			rejected: []string{"3::err.csv_record_too_long"}},
		{name: "long line without a final newline", csv: "cid,platform\nA,ios\nB," + long, imported: 1,
			rejected: []string{"3::err.csv_record_too_long"}},
		{name: "long CRLF lines", csv: "cid,platform\r\nA,ios\r\nB," + long + "\r\nC,\"ios\"\r\nD,windows\r\n", imported: 2,
			rejected: []string{"3::err.csv_record_too_long", "5:platform:err.audience_platform"}},
		{name: "a stray quote ends the record with its line", csv: "cid,platform\nA,i\"os\n" + manyRows.String(), imported: 20000,
			rejected: []string{"2::err.csv_syntax"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustOpenStore(t)
			acct := mustCreateAccount(t, s)
			res := importString(t, s, acct, tc.csv, ImportOptions{})
			if res.Imported != tc.imported {
				t.Errorf("imported %d, want %d", res.Imported, tc.imported)
			}
			if got := rejected(res); strings.Join(got, " ") != strings.Join(tc.rejected, " ") {
				t.Errorf("rejected %v, want %v", got, tc.rejected)
			}
		})
	}
	t.Run("long header", func(t *testing.T) {
		s := mustOpenStore(t)
		acct := mustCreateAccount(t, s)
		_, err := s.ImportCSV(t.Context(), acct.ID, strings.NewReader("cid,"+long+"\nA\n"), ImportOptions{})
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields["header"].ID != "err.csv_record_too_long" {
			t.Fatalf("err = %v, want err.csv_record_too_long on header", err)
		}
	})
}

// TestImportCSVHugeLineMemory: a 64 MiB line is skipped as it streams by,
// never held: the import allocates a fraction of it.
func TestImportCSVHugeLineMemory(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	body := io.MultiReader(strings.NewReader("cid\nA\nB"), io.LimitReader(repeatByte('z'), 64<<20), strings.NewReader("\nC\n"))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res, err := s.ImportCSV(t.Context(), acct.ID, body, ImportOptions{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 2 || len(res.Rejected) != 1 || res.Rejected[0].Line != 3 {
		t.Fatalf("result %+v", res)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
		t.Fatalf("the import allocated %d MiB for a 64 MiB line", got>>20)
	}
}

type repeatByte byte

func (b repeatByte) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// FuzzCSVRecordCap: records under the cap pass through byte for byte, and
// whatever the input, csv.Reader sees no more lines than the file has
// (plus one for a dropped last record without a newline).
func FuzzCSVRecordCap(f *testing.F) {
	for _, seed := range []string{"cid\nA\n", "a,\"b\nc\",d\n", "a,b\"c\nd\n", "\"a\"\r\nb", "\"a\"x\n\"", ",,\n\n\"\"\"\"\n", "\"\r\r\n\"\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := io.ReadAll(newCSVRecordCap(bufio.NewReaderSize(strings.NewReader(in), 16), 1<<20))
		if err != nil || string(got) != in {
			t.Fatalf("pass-through changed %q into %q (%v)", in, got, err)
		}
		c := newCSVRecordCap(bufio.NewReaderSize(strings.NewReader(in), 16), 4)
		got, err = io.ReadAll(c)
		if err != nil {
			t.Fatal(err)
		}
		if n, want := bytes.Count(got, []byte{'\n'}), strings.Count(in, "\n")+1; n > want {
			t.Fatalf("%q became %d lines (%q), the input has %d", in, n, got, want-1)
		}
		for _, r := range bytes.Split(got, []byte{'\n'}) {
			if len(r) > 4 {
				t.Fatalf("a %d-byte line passed a cap of 4: %q", len(r), r)
			}
		}
	})
}
