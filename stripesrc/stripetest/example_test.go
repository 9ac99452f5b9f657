package stripetest_test

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/driftexact/driftexact/stripesrc/stripetest"
)

func Example() {
	fake, err := stripetest.NewServer()
	if err != nil {
		panic(err)
	}
	defer fake.Close()
	err = fake.Seed(stripetest.Subscription{
		ID: "sub_1", Customer: "cus_1", Status: "past_due",
		Created: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC),
		Items: []stripetest.Item{{Price: "price_pro", Quantity: 1,
			CurrentPeriodEnd: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}},
	})
	if err != nil {
		panic(err)
	}
	// The first request is rate limited; the second is answered.
	fake.Inject(stripetest.FirstN(1, stripetest.RateLimited))
	for range 2 {
		resp, err := http.Get(fake.URL + "/v1/subscriptions?status=past_due&limit=1")
		if err != nil {
			panic(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	for _, r := range fake.Requests() {
		fmt.Println(r.Method, r.Path, r.Query, r.Fault)
	}
	// Output:
	// 429 Too Many Requests
	// 200 OK
	// GET /v1/subscriptions status=past_due&limit=1 429 global-rate
	// GET /v1/subscriptions status=past_due&limit=1 none
}
