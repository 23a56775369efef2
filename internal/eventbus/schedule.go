package eventbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// Schedule is a parsed ScheduleExpression.
type Schedule interface {
	// Next returns the first firing time after t.
	Next(t time.Time) time.Time
}

// ParseSchedule parses rate(…) and cron(…) expressions as EventBridge rules accept them (UTC).
func ParseSchedule(expr string) (Schedule, error) {
	bad := func(why string) error {
		return validation("Parameter ScheduleExpression is not valid: %s (%q).", why, expr)
	}
	switch {
	case strings.HasPrefix(expr, "rate(") && strings.HasSuffix(expr, ")"):
		f := strings.Fields(expr[5 : len(expr)-1])
		if len(f) != 2 {
			return nil, bad("rate needs a value and a unit")
		}
		n, err := strconv.Atoi(f[0])
		if err != nil || n <= 0 {
			return nil, bad("the rate's value must be a positive whole number")
		}
		units := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}
		unit := strings.TrimSuffix(f[1], "s")
		d, ok := units[unit]
		if !ok || (n == 1) != (f[1] == unit) {
			return nil, bad("the unit must be minute, minutes, hour, hours, day or days, singular for 1")
		}
		return rate(time.Duration(n) * d), nil
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		c, err := parseCron(expr[5 : len(expr)-1])
		if err != nil {
			return nil, bad(err.Error())
		}
		return c, nil
	}
	return nil, bad("use rate(value unit) or cron(minutes hours day-of-month month day-of-week year)")
}

type rate time.Duration

func (r rate) Next(t time.Time) time.Time { return t.Add(time.Duration(r)) }

// cron is a six-field expression: a set of allowed values per field (day-of-week 1–7 = SUN–SAT).
type cron struct {
	min, hour, dom, month, dow [64]bool
	years                      map[int]bool // nil: every year
	anyDOM, anyDOW             bool
}

var cronNames = map[string]string{"JAN": "1", "FEB": "2", "MAR": "3", "APR": "4", "MAY": "5", "JUN": "6", "JUL": "7",
	"AUG": "8", "SEP": "9", "OCT": "10", "NOV": "11", "DEC": "12",
	"SUN": "1", "MON": "2", "TUE": "3", "WED": "4", "THU": "5", "FRI": "6", "SAT": "7"}

func parseCron(s string) (*cron, error) {
	f := strings.Fields(s)
	if len(f) != 6 {
		return nil, fmt.Errorf("cron needs six fields")
	}
	c := &cron{}
	specs := []struct {
		dst    *[64]bool
		lo, hi int
	}{{&c.min, 0, 59}, {&c.hour, 0, 23}, {&c.dom, 1, 31}, {&c.month, 1, 12}, {&c.dow, 1, 7}}
	for i, sp := range specs {
		v := strings.ToUpper(f[i])
		for name, num := range cronNames {
			v = strings.ReplaceAll(v, name, num)
		}
		if v == "?" {
			if i != 2 && i != 4 {
				return nil, fmt.Errorf("? is allowed only for day-of-month or day-of-week")
			}
			if i == 2 {
				c.anyDOM = true
			} else {
				c.anyDOW = true
			}
			continue
		}
		if err := cronField(v, sp.lo, sp.hi, sp.dst); err != nil {
			return nil, fmt.Errorf("field %d: %w", i+1, err)
		}
	}
	if c.anyDOM == c.anyDOW {
		return nil, fmt.Errorf("exactly one of day-of-month and day-of-week must be ?")
	}
	if f[5] != "*" {
		var set [256]bool
		if err := cronYear(f[5], &set); err != nil {
			return nil, fmt.Errorf("field 6: %w", err)
		}
		c.years = map[int]bool{}
		for i, ok := range set {
			if ok {
				c.years[1970+i] = true
			}
		}
	}
	return c, nil
}

// cronField sets dst[v] for each value of a field: *, n, a-b, lists, and steps (*/n, a/n, a-b/n).
func cronField(v string, lo, hi int, dst *[64]bool) error {
	for part := range strings.SplitSeq(v, ",") {
		step := 1
		if base, st, ok := strings.Cut(part, "/"); ok {
			n, err := strconv.Atoi(st)
			if err != nil || n <= 0 {
				return fmt.Errorf("bad step %q", part)
			}
			part, step = base, n
		}
		from, to := lo, hi
		switch {
		case part == "*":
		case strings.Contains(part, "-"):
			a, b, _ := strings.Cut(part, "-")
			x, err1 := strconv.Atoi(a)
			y, err2 := strconv.Atoi(b)
			if err1 != nil || err2 != nil || x > y {
				return fmt.Errorf("bad range %q", part)
			}
			from, to = x, y
		default:
			x, err := strconv.Atoi(part)
			if err != nil {
				return fmt.Errorf("%q is not supported (L, W and # are not)", part)
			}
			from, to = x, x
			if strings.Contains(v, "/") {
				to = hi
			}
		}
		if from < lo || to > hi {
			return fmt.Errorf("%q is out of range %d-%d", part, lo, hi)
		}
		for x := from; x <= to; x += step {
			dst[x] = true
		}
	}
	return nil
}

func cronYear(v string, set *[256]bool) error {
	for part := range strings.SplitSeq(v, ",") {
		a, b, isRange := strings.Cut(part, "-")
		x, err := strconv.Atoi(a)
		if err != nil {
			return fmt.Errorf("bad year %q", part)
		}
		y := x
		if isRange {
			if y, err = strconv.Atoi(b); err != nil {
				return fmt.Errorf("bad year range %q", part)
			}
		}
		for i := x; i <= y && i-1970 < 256; i++ {
			if i >= 1970 {
				set[i-1970] = true
			}
		}
	}
	return nil
}

func (c *cron) Next(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Minute).Add(time.Minute)
	limit := t.AddDate(5, 0, 0)
	for t.Before(limit) {
		if c.years != nil && !c.years[t.Year()] {
			t = time.Date(t.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if !c.month[int(t.Month())] {
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
			continue
		}
		dayOK := c.anyDOM && c.dow[int(t.Weekday())+1] || c.anyDOW && c.dom[t.Day()]
		if !dayOK {
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if !c.hour[t.Hour()] {
			t = t.Truncate(time.Hour).Add(time.Hour)
			continue
		}
		if !c.min[t.Minute()] {
			t = t.Add(time.Minute)
			continue
		}
		return t
	}
	return time.Time{}
}

// FireSchedules sends the "Scheduled Event" of every enabled scheduled rule that is due. Slots missed while
// no node ran collapse into one event; each rule is re-checked in the transaction that fires it, so nodes
// racing fire it once.
func (s *Service) FireSchedules(ctx context.Context) error {
	now := s.cfg.Clock.Now().UTC()
	var due []*Rule
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		return scanRules(tx, func(r *Rule) {
			if r.ScheduleExpression == "" || r.State == Disabled {
				return
			}
			if sc, err := ParseSchedule(r.ScheduleExpression); err == nil && !sc.Next(r.LastFired).After(now) {
				due = append(due, r)
			}
		})
	})
	if err != nil {
		return err
	}
	for _, r := range due {
		if err := s.fire(ctx, r, now); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) fire(ctx context.Context, r *Rule, now time.Time) error {
	id, err := s.uuid()
	if err != nil {
		return err
	}
	sc, _ := ParseSchedule(r.ScheduleExpression)
	slot := r.LastFired
	for n := sc.Next(slot); !n.IsZero() && !n.After(now); n = sc.Next(n) {
		slot = n
	}
	event := buildEvent(id, r.Account, r.Region, &Entry{Source: "aws.events", DetailType: "Scheduled Event", Detail: "{}",
		Resources: []string{r.ARN}}, slot)
	var items []*delivery
	for _, t := range r.Targets {
		items = append(items, s.newDelivery(r, t, event, id, now))
	}
	if err := s.seal(items); err != nil {
		return err
	}
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		cur, err := getRule(tx, r.Account, r.Region, r.Bus, r.Name)
		if err != nil {
			if _, nf := asNotFound(err); nf {
				return nil
			}
			return err
		}
		if !cur.LastFired.Equal(r.LastFired) {
			items = nil
			return nil // another node fired it
		}
		cur.LastFired = slot
		if err := putJSON(tx, tableRules, key(r.Account, r.Region, r.Bus, r.Name), cur); err != nil {
			return err
		}
		return putDeliveries(tx, items)
	})
	if err == nil && len(items) > 0 {
		s.metrics.matched.WithLabelValues(r.ARN).Inc()
		s.Kick()
	}
	return err
}

// scanRules calls fn with each rule that has a schedule.
func scanRules(tx meta.Tx, fn func(*Rule)) error {
	var keys []string
	if err := tx.Scan(tableScheduled, meta.Range{}, func(k string, _ []byte) bool {
		keys = append(keys, k)
		return true
	}); err != nil {
		return err
	}
	for _, k := range keys {
		b, err := tx.Get(tableRules, k)
		if errors.Is(err, meta.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		r := &Rule{}
		if err := json.Unmarshal(b, r); err != nil {
			return err
		}
		fn(r)
	}
	return nil
}
