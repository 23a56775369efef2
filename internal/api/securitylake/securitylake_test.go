package securitylake_test

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/api/securitylake"
)

// TestEveryOperationOfTheModel: the service routes every operation of botocore's securitylake model, by the
// model's method and path, and declares its securitylake:<Operation> action.
func TestEveryOperationOfTheModel(t *testing.T) {
	out, err := exec.Command("python3", "-c", "import botocore, os; print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		t.Skip("botocore is not installed")
	}
	f, err := os.Open(filepath.Join(strings.TrimSpace(string(out)), "data", "securitylake", "2018-05-10", "service-2.json.gz"))
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	var model struct {
		Operations map[string]struct {
			HTTP struct{ Method, RequestURI string } `json:"http"`
		} `json:"operations"`
	}
	require.NoError(t, json.NewDecoder(zr).Decode(&model))
	require.Len(t, model.Operations, 31)

	routes := map[string]string{}
	for _, op := range securitylake.New(nil).Router.Ops() {
		routes[op.Name] = op.HTTP
		require.Equal(t, "securitylake:"+op.Name, op.Action, op.Name)
	}
	require.Len(t, routes, len(model.Operations))
	for name, op := range model.Operations {
		require.Equal(t, op.HTTP.Method+" "+op.HTTP.RequestURI, routes[name], name)
	}
}
