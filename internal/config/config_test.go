package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDefaultIsValid(t *testing.T) {
	c := Default()
	require.NoError(t, c.Validate())
}

func TestLoadFileIsStrict(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	require.NoError(t, os.WriteFile(good, []byte(`{"listen":"0.0.0.0:9000","shutdownTimeout":"5s"}`), 0o600))
	c := Default()
	require.NoError(t, c.LoadFile(good))
	require.Equal(t, "0.0.0.0:9000", c.Listen)
	require.Equal(t, Duration(5*time.Second), c.ShutdownTimeout)

	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"listne":"x"}`), 0o600))
	c = Default()
	require.ErrorContains(t, c.LoadFile(bad), `unknown field "listne"`)
}

func TestApplyEnv(t *testing.T) {
	c := Default()
	env := map[string]string{"SECLAKE_LISTEN": "127.0.0.1:1", "SECLAKE_DATA": "/d", "SECLAKE_REGION": ""}
	c.ApplyEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.Equal(t, "127.0.0.1:1", c.Listen)
	require.Equal(t, "/d", c.DataDir)
	require.Equal(t, "us-east-1", c.Region, "an empty variable must not clear a setting")
}

func TestValidateReportsEverything(t *testing.T) {
	c := Config{Listen: "nope", Region: "Mars", TLSCert: "x", Meta: "mysql://u:secret@h/db", LogLevel: "loud", LogFormat: "xml", Target: "both"}
	err := c.Validate()
	require.Error(t, err)
	for _, want := range []string{"listen", "data directory", "tls", "region", "meta", "logLevel", "logFormat", "shutdownTimeout", `target "both": want all, api or worker`} {
		require.ErrorContains(t, err, want)
	}
	require.NotContains(t, err.Error(), "secret", "a DSN password must never be printed")
}

func TestTarget(t *testing.T) {
	c := Default()
	require.Equal(t, TargetAll, c.Target)
	c.ApplyEnv(func(k string) (string, bool) {
		return map[string]string{"SECLAKE_TARGET": "worker"}[k], k == "SECLAKE_TARGET"
	})
	require.Equal(t, TargetWorker, c.Target)
	require.NoError(t, c.Validate())

	file := filepath.Join(t.TempDir(), "c.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"target":"api"}`), 0o600))
	c = Default()
	require.NoError(t, c.LoadFile(file))
	require.Equal(t, TargetAPI, c.Target)
	c.Target = ""
	require.ErrorContains(t, c.Validate(), `target "": want all, api or worker`)
}

func TestRedactDSN(t *testing.T) {
	require.Equal(t, "postgres://u:xxxxx@h:5432/db", redactDSN("postgres://u:pw@h:5432/db"))
	require.Equal(t, "host=h password=xxxxx dbname=x", redactDSN("host=h password=pw dbname=x"))
	require.Equal(t, "postgres://root@127.0.0.1/test", redactDSN("postgres://root@127.0.0.1/test"))
}

func TestDurationEnv(t *testing.T) {
	c := Default()
	env := map[string]string{"SECLAKE_TRAIL_INTERVAL": "90s", "SECLAKE_TRAIL_DIGEST_INTERVAL": "soon"}
	c.ApplyEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.Equal(t, Duration(90*time.Second), c.TrailInterval)
	require.ErrorContains(t, c.Validate(), `SECLAKE_TRAIL_DIGEST_INTERVAL="soon"`)
	c = Default()
	c.TrailInterval = Duration(time.Millisecond)
	require.ErrorContains(t, c.Validate(), "at least a second")
}

func TestSecurityLakeRateLimit(t *testing.T) {
	c := Default()
	c.SecurityLake = SecurityLake{RateLimit: 5, Burst: 10}
	require.NoError(t, c.Validate())
	c.SecurityLake = SecurityLake{RateLimit: -1}
	require.NoError(t, c.Validate(), "a negative rate is no limit")
	c.SecurityLake = SecurityLake{Burst: 10}
	require.ErrorContains(t, c.Validate(), "securityLake.burst needs securityLake.rateLimit")
	c.SecurityLake = SecurityLake{RateLimit: 5, Burst: -1}
	require.ErrorContains(t, c.Validate(), "securityLake.burst must be positive")
}
