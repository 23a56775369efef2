package config

import "errors"

// Athena configures how Athena runs queries.
type Athena struct {
	// Concurrency is how many queries of one work group run at once across the cluster; the others wait
	// QUEUED (0: the default, 4).
	Concurrency int `json:"concurrency"`
	// Workers is how many queries one node that runs jobs runs at once (0: the default, 8).
	Workers int `json:"workers"`
	// QueryTimeout is how long a query may run before it is interrupted and fails (0: the default, 30m, as
	// Athena's DML timeout).
	QueryTimeout Duration `json:"queryTimeout"`
}

// validate checks the Athena settings.
func (a Athena) validate() error {
	if a.Concurrency < 0 || a.Workers < 0 {
		return errors.New("athena.concurrency and athena.workers must be positive (or 0 for the default)")
	}
	if a.QueryTimeout < 0 {
		return errors.New("athena.queryTimeout must be positive (or 0 for the default, 30m)")
	}
	return nil
}
