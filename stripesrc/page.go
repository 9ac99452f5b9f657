package stripesrc

import (
	"encoding/json"
	"fmt"

	stripe "github.com/stripe/stripe-go/v76"
)

// subscriptionPage is one page of the subscription list. It is decoded by
// stripe-go's backend and keeps nothing of the raw response.
type subscriptionPage struct {
	Object  string             `json:"object"`
	HasMore bool               `json:"has_more"`
	Data    []*rawSubscription `json:"data"`
}

// SetLastResponse drops the raw response stripe-go hands over, so that no
// page outlives its decoding.
func (*subscriptionPage) SetLastResponse(*stripe.APIResponse) {}

// rawSubscription is a subscription as stripe-go v76 decodes it, plus the
// item-level period ends that v76's types lack but newer API shapes carry.
type rawSubscription struct {
	sub      stripe.Subscription
	itemEnds map[string]int64 // item id → current_period_end
}

// SetLastResponse drops the raw response of a read by id.
func (*rawSubscription) SetLastResponse(*stripe.APIResponse) {}

func (r *rawSubscription) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &r.sub); err != nil {
		return err
	}
	var extra struct {
		Items struct {
			Data []itemPeriod `json:"data"`
		} `json:"items"`
	}
	if err := json.Unmarshal(b, &extra); err != nil {
		return err
	}
	r.itemEnds = periodEnds(extra.Items.Data)
	return nil
}

// itemPage is one page of a subscription's item list.
type itemPage struct {
	Object  string     `json:"object"`
	HasMore bool       `json:"has_more"`
	Data    []*rawItem `json:"data"`
}

// SetLastResponse drops the raw response.
func (*itemPage) SetLastResponse(*stripe.APIResponse) {}

// checkList refuses an answer from path that is not a list object with a
// data array (an empty one is fine), such as {} or a list without data,
// which would otherwise read as a complete empty list. isNil says that
// data was missing or null.
func checkList(path, object string, isNil bool) error {
	switch {
	case object != "list":
		return fmt.Errorf("stripe answered %s with object %q, not a list", path, object)
	case isNil:
		return fmt.Errorf("stripe answered %s with a list without a data array", path)
	}
	return nil
}

// rawItem is a subscription item with its item-level period end.
type rawItem struct {
	item stripe.SubscriptionItem
	end  int64
}

func (r *rawItem) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &r.item); err != nil {
		return err
	}
	var p itemPeriod
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	r.end = p.CurrentPeriodEnd
	return nil
}

type itemPeriod struct {
	ID               string `json:"id"`
	CurrentPeriodEnd int64  `json:"current_period_end"`
}

func periodEnds(items []itemPeriod) map[string]int64 {
	var m map[string]int64
	for _, it := range items {
		if it.CurrentPeriodEnd == 0 {
			continue
		}
		if m == nil {
			m = make(map[string]int64, len(items))
		}
		m[it.ID] = it.CurrentPeriodEnd
	}
	return m
}
