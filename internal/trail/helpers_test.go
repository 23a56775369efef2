package trail

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/seclake/seclake/internal/awserr"
)

// The behaviour tests are in package trail_test (env_test.go), on the services the server runs
// (internal/stack); the tests here reach inside the package.

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"))
}

const (
	acct  = "111122223333"
	other = "444455556666"
	home  = "us-east-1"
)

func trailARN(name string) string { return TrailARN(home, acct, name) }

// code returns an error's AWS code.
func code(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return "error: " + err.Error()
}
