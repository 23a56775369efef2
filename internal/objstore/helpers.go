package objstore

import (
	"strconv"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/iam/policy"
)

type policyContext = policy.Context

func asAWS(err error) (*awserr.Error, bool) { return awserr.As(err) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
