package stripesrc_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/driftexact/driftexact/stripesrc"
)

// TestMisbehavingServerIsCaught serves pages that break the rules the
// source relies on to read everything once, and expects an error rather
// than a wrong list.
func TestMisbehavingServerIsCaught(t *testing.T) {
	sub := func(id string, created int64) string {
		return fmt.Sprintf(`{"id":%q,"object":"subscription","created":%d}`, id, created)
	}
	page := func(more bool, subs ...string) string {
		return fmt.Sprintf(`{"object":"list","has_more":%t,"data":[%s]}`,
			more, strings.Join(subs, ","))
	}
	for _, tc := range []struct {
		name  string
		serve func(q string) string
		want  string
	}{{
		name: "out of order",
		serve: func(string) string {
			return page(false, sub("sub_old", 1700000000), sub("sub_new", 1700000100))
		},
		want: `"sub_new" is out of order`,
	}, {
		name:  "missing id",
		serve: func(string) string { return page(false, sub("", 1700000000)) },
		want:  `field "id" is missing`,
	}, {
		name: "created filter ignored",
		serve: func(q string) string {
			if strings.Contains(q, "created") {
				return page(false, sub("sub_top", 1700000100))
			}
			if strings.Contains(q, "starting_after") {
				return page(false)
			}
			return page(true, sub("sub_top", 1700000100), sub("sub_next", 1700000000))
		},
		want: `"sub_top" created at 1700000100 lies outside the requested window`,
	}, {
		name: "repeated within a page",
		serve: func(string) string {
			return page(false, sub("sub_2", 1700000100), sub("sub_2", 1700000100),
				sub("sub_1", 1700000000))
		},
		want: `"sub_2" is listed twice`,
	}, {
		name: "repeated in the same second within a page",
		serve: func(string) string {
			return page(false, sub("sub_b", 1700000100), sub("sub_a", 1700000100),
				sub("sub_b", 1700000100))
		},
		want: `"sub_b" is listed twice`,
	}, {
		name: "cursor repeated on the next page",
		serve: func(q string) string {
			if strings.Contains(q, "starting_after=sub_3") {
				return page(false, sub("sub_3", 1700000300), sub("sub_1", 1700000100))
			}
			if strings.Contains(q, "created") {
				return page(false)
			}
			return page(true, sub("sub_3", 1700000300))
		},
		want: `"sub_3" is listed twice`,
	}, {
		name:  "empty object",
		serve: func(string) string { return `{}` },
		want:  `stripe answered /v1/subscriptions with object "", not a list`,
	}, {
		name:  "list without data",
		serve: func(string) string { return `{"object":"list","has_more":false}` },
		want:  "stripe answered /v1/subscriptions with a list without a data array",
	}, {
		name:  "list with null data",
		serve: func(string) string { return `{"object":"list","data":null}` },
		want:  "stripe answered /v1/subscriptions with a list without a data array",
	}, {
		name: "item list without data",
		serve: func(q string) string {
			if strings.Contains(q, "subscription=sub_1") {
				return `{"object":"list","has_more":false}`
			}
			return page(false, `{"id":"sub_1","object":"subscription",`+
				`"created":1700000000,"items":{"object":"list","has_more":true,`+
				`"data":[{"id":"si_1","object":"subscription_item"}]}}`)
		},
		want: "stripe answered /v1/subscription_items with a list without a data array",
	}, {
		name:  "empty page claiming more",
		serve: func(string) string { return page(true) },
		want:  "empty page that claims more",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			serve := func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, tc.serve(r.URL.RawQuery))
			}
			srv := httptest.NewServer(http.HandlerFunc(serve))
			defer srv.Close()
			src, err := stripesrc.Open(testKey, &stripesrc.Options{BaseURL: srv.URL, Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			stripesrc.Unthrottle(src)
			_, err = collect(context.Background(), src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error saying %s", err, tc.want)
			}
		})
	}
}

// TestShortItemListMarksIncomplete serves a subscription whose embedded
// item list says more follow, and an item list that does not hold the
// embedded items, and expects the record marked Incomplete with the
// embedded items rather than passed as whole with the short list.
func TestShortItemListMarksIncomplete(t *testing.T) {
	item := func(id string) string {
		return fmt.Sprintf(`{"id":%q,"object":"subscription_item","quantity":1,`+
			`"price":{"id":"price_pro","product":"prod_1"}}`, id)
	}
	items := func(more bool, ids ...string) string {
		var its []string
		for _, id := range ids {
			its = append(its, item(id))
		}
		return fmt.Sprintf(`{"object":"list","has_more":%t,"data":[%s]}`,
			more, strings.Join(its, ","))
	}
	embedded := []string{"si_1", "si_2", "si_3"}
	for _, tc := range []struct {
		name string
		read string // the answer of the subscription-item list
		want string
	}{
		{"fewer", items(false, "si_1"), "holds 1 items, no more than the 3 embedded"},
		{"empty", items(false), "holds 0 items, no more than the 3 embedded"},
		{"as many", items(false, embedded...), "no more than the 3 embedded"},
		{"others", items(false, "si_1", "si_2", "si_8", "si_9"), `lacks embedded item "si_3"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			serve := func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if r.URL.Path == "/v1/subscription_items" {
					fmt.Fprint(w, tc.read)
					return
				}
				fmt.Fprintf(w, `{"object":"list","has_more":false,"data":[`+
					`{"id":"sub_1","object":"subscription","created":1700000000,"items":%s}]}`,
					items(true, embedded...))
			}
			srv := httptest.NewServer(http.HandlerFunc(serve))
			defer srv.Close()
			src, err := stripesrc.Open(testKey, &stripesrc.Options{BaseURL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			stripesrc.Unthrottle(src)
			got, err := collect(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !strings.Contains(got[0].Incomplete, tc.want) {
				t.Fatalf("got %+v, want one record marked incomplete: %s", got, tc.want)
			}
			if len(got[0].Items) != len(embedded) {
				t.Errorf("kept %d items, want the %d embedded", len(got[0].Items), len(embedded))
			}
		})
	}
}

// TestEmptyListingIsComplete checks that a list with an empty data array,
// unlike one without data, reads as an account with no subscriptions.
func TestEmptyListingIsComplete(t *testing.T) {
	serve := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"object":"list","has_more":false,"data":[]}`)
	}
	srv := httptest.NewServer(http.HandlerFunc(serve))
	defer srv.Close()
	src, err := stripesrc.Open(testKey, &stripesrc.Options{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	stripesrc.Unthrottle(src)
	got, err := collect(context.Background(), src)
	if err != nil || len(got) != 0 {
		t.Fatalf("got %d records and error %v, want none and no error", len(got), err)
	}
	if st := src.LastPull(); st.Pages != 1 {
		t.Errorf("LastPull().Pages = %d, want 1", st.Pages)
	}
}
