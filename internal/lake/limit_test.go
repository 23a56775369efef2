package lake

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkLimiterTake measures the rate limit's cost on every authorized Security Lake call: one account, and
// 1,000 accounts in turn.
func BenchmarkLimiterTake(b *testing.B) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, accounts := range []int{1, 1000} {
		b.Run("accounts="+strconv.Itoa(accounts), func(b *testing.B) {
			l := newLimiter(Limit{Rate: 1e9, Burst: 1e9})
			ids := make([]string, accounts)
			for i := range ids {
				ids[i] = strconv.Itoa(100000000000 + i)
			}
			b.ReportAllocs()
			for i := range b.N {
				l.take(ids[i%accounts], now.Add(time.Duration(i)))
			}
		})
	}
}

// TestLimiterBurstThenRate: a fresh account has the burst, then the rate; an unlimited one is never refused.
func TestLimiterBurstThenRate(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	l := newLimiter(Limit{Rate: 10, Burst: 3})
	for range 3 {
		if w := l.take("a", now); w != 0 {
			t.Fatalf("within the burst: wait %v", w)
		}
	}
	if w := l.take("a", now); w != 100*time.Millisecond {
		t.Fatalf("over the burst: wait %v, want 100ms", w)
	}
	if w := l.take("b", now); w != 0 {
		t.Fatal("another account has its own burst")
	}
	if w := l.take("a", now.Add(100*time.Millisecond)); w != 0 {
		t.Fatalf("a tenth of a second later: wait %v", w)
	}
	u := newLimiter(Limit{Rate: -1})
	for range 100 {
		if u.take("a", now) != 0 {
			t.Fatal("no limit")
		}
	}
}
