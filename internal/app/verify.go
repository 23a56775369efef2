package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/config"
)

// VerifyAudit checks the audit trail of an existing data directory and prints the report to w. It reports
// whether the chain verified.
func VerifyAudit(ctx context.Context, cfg config.Config, w io.Writer) (bool, error) {
	if _, err := os.Stat(filepath.Join(cfg.DataDir, formatFile)); errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("%s is not a seclake data directory; pass --data with the server's data directory", cfg.DataDir)
	}
	st, _, err := openStores(ctx, cfg, NewLogger(cfg, io.Discard), Options{}.withDefaults())
	if err != nil {
		return false, err
	}
	defer st.Meta.Close()
	rep, err := audit.Verify(ctx, st.Meta, st.Seal.Derive("audit chain"))
	if err != nil {
		return false, err
	}
	fmt.Fprintln(w, rep.String())
	return rep.OK(), nil
}
