package report_test

import (
	"bytes"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/driftexact/driftexact/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func render(t testing.TB, r *report.Report, f report.Format) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := report.Write(&b, r, f); err != nil {
		t.Fatalf("render %s: %v", f, err)
	}
	return b.Bytes()
}

func goldenPath(name string, f report.Format) string {
	return filepath.Join("testdata", name+f.Ext())
}

// TestGolden renders every scenario in every format and compares the
// bytes with testdata. Run with -update to rewrite the files after a
// deliberate change, and read the diff before committing it.
func TestGolden(t *testing.T) {
	for _, s := range scenarios {
		r := s.build(t, s.input())
		for _, f := range report.Formats {
			t.Run(s.name+"/"+string(f), func(t *testing.T) {
				got := render(t, r, f)
				path := goldenPath(s.name, f)
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if diff := cmp.Diff(string(want), string(got)); diff != "" {
					t.Errorf("%s differs (-want +got):\n%s", path, diff)
				}
			})
		}
	}
}

// TestShuffledInputRendersAlike builds each report from its records in
// many orders and requires every format to give the same bytes.
func TestShuffledInputRendersAlike(t *testing.T) {
	rnd := rand.New(rand.NewPCG(6, 6))
	for _, s := range scenarios {
		want := map[report.Format][]byte{}
		base := s.build(t, s.input())
		for _, f := range report.Formats {
			want[f] = render(t, base, f)
		}
		for i := range 20 {
			r := s.build(t, shuffled(s.input(), rnd))
			for _, f := range report.Formats {
				if got := render(t, r, f); !bytes.Equal(got, want[f]) {
					t.Fatalf("%s, shuffle %d: %s output changed:\n%s", s.name, i, f,
						cmp.Diff(string(want[f]), string(got)))
				}
			}
		}
	}
}
