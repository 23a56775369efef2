package config

import "errors"

// SecurityLake configures the Security Lake API.
type SecurityLake struct {
	// RateLimit is how many Security Lake API calls per second an account may make on average (0: the default,
	// 20; negative: no limit); Burst how many at once (0: the default, 40 — or the rate, rounded up, when a
	// rate is set). Calls over it get ThrottlingException (429) with Retry-After.
	RateLimit float64 `json:"rateLimit"`
	Burst     int     `json:"burst"`
}

// validate checks the Security Lake settings.
func (s SecurityLake) validate() error {
	if s.Burst < 0 {
		return errors.New("securityLake.burst must be positive (or 0 for the default)")
	}
	if s.Burst > 0 && s.RateLimit == 0 {
		return errors.New("securityLake.burst needs securityLake.rateLimit")
	}
	return nil
}
