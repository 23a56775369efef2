// Package clock provides the time source that seclake's domain code uses, so tests can move time by hand.
package clock

import "time"

// Clock tells the time and makes timers. Domain code takes a Clock instead of calling time.Now.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives the time once d has elapsed.
	After(d time.Duration) <-chan time.Time
	// NewTicker returns a ticker that fires every d until stopped.
	NewTicker(d time.Duration) Ticker
}

// Ticker delivers ticks on C until Stop is called.
type Ticker interface {
	// C returns the channel on which ticks arrive.
	C() <-chan time.Time
	// Stop turns the ticker off; no more ticks are sent after it returns.
	Stop()
}

// System is the wall clock.
var System Clock = systemClock{}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
func (systemClock) NewTicker(d time.Duration) Ticker       { return systemTicker{time.NewTicker(d)} }

type systemTicker struct{ t *time.Ticker }

func (t systemTicker) C() <-chan time.Time { return t.t.C }
func (t systemTicker) Stop()               { t.t.Stop() }
