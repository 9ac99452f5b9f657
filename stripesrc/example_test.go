package stripesrc_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/driftexact/driftexact/stripesrc"
	"github.com/driftexact/driftexact/stripesrc/stripetest"
)

func Example() {
	// A fake Stripe account; with a real one, leave BaseURL empty.
	fake, err := stripetest.NewServer()
	if err != nil {
		panic(err)
	}
	defer fake.Close()
	created := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	fake.Seed(
		stripetest.Subscription{ID: "sub_1", Customer: "cus_1", Created: created,
			Metadata: map[string]string{"account_id": "acct_1", "note": "dropped"},
			Items:    []stripetest.Item{{Price: "price_pro", Quantity: 1}}},
		stripetest.Subscription{ID: "sub_2", Customer: "cus_2", Status: "canceled",
			Created: created.Add(time.Hour)},
	)

	src, err := stripesrc.Open("rk_test_example", &stripesrc.Options{
		BaseURL: fake.URL, MetadataKeys: []string{"account_id"},
	})
	if err != nil {
		panic(err)
	}
	var lines []string
	for sub, err := range src.Subscriptions(context.Background()) {
		if err != nil {
			panic(err)
		}
		lines = append(lines, fmt.Sprintf("%s %s %s %v",
			sub.ID, sub.CustomerID, sub.Status, sub.Metadata))
	}
	slices.Sort(lines) // workers yield in no particular order
	for _, l := range lines {
		fmt.Println(l)
	}
	fmt.Printf("%+v\n", src.LastPull())

	// Writes never leave the process.
	_, err = src.Client().Subscriptions.Cancel("sub_1", nil)
	var refused *stripesrc.WriteRefusedError
	if errors.As(err, &refused) {
		fmt.Println(refused)
	}
	// Output:
	// sub_1 cus_1 active map[account_id:acct_1]
	// sub_2 cus_2 canceled map[]
	// {Records:2 Pages:1}
	// stripesrc: refused DELETE /v1/subscriptions/sub_1: the Stripe source is read-only
}

func ExampleKey() {
	key := stripesrc.Key("rk_live_51HxExampleSecretPart")
	fmt.Println(key)
	fmt.Printf("%q %#v\n", key, key)

	_, err := stripesrc.Open("sk_live_51HxExampleSecretPart", nil)
	fmt.Println(errors.Is(err, stripesrc.ErrSecretKey))
	// Output:
	// rk_live_[REDACTED]
	// "rk_live_[REDACTED]" stripesrc.Key("rk_live_[REDACTED]")
	// true
}
