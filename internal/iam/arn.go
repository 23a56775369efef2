package iam

import (
	"strings"

	"github.com/seclake/seclake/internal/actor"
)

// iamARN is an IAM resource ARN split into its parts: arn:aws:iam::<Account>:<Kind><Path><Name>.
type iamARN struct {
	Account, Kind, Path, Name string
}

// parseIAMARN splits arn:aws:iam::<account>:<kind>/<path/><name> ("user", "role", "policy"). Account is "aws"
// for AWS managed policies.
func parseIAMARN(arn string) (iamARN, bool) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[1] != "aws" || f[2] != "iam" || f[3] != "" {
		return iamARN{}, false
	}
	kind, rest, ok := strings.Cut(f[5], "/")
	if !ok || rest == "" || strings.HasSuffix(rest, "/") {
		return iamARN{}, false
	}
	i := strings.LastIndexByte(rest, '/')
	return iamARN{Account: f[4], Kind: kind, Path: "/" + rest[:i+1], Name: rest[i+1:]}, true
}

// sessionARN is the ARN of a role session: arn:aws:sts::<account>:assumed-role/<role>/<session>.
func sessionARN(account, role, session string) string {
	return "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + session
}

// parseSessionARN splits arn:aws:sts::<account>:assumed-role/<role>/<session>.
func parseSessionARN(arn string) (account, role, session string, ok bool) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[1] != "aws" || f[2] != "sts" || f[3] != "" || !actor.ValidAccountID(f[4]) {
		return "", "", "", false
	}
	rest, ok := strings.CutPrefix(f[5], "assumed-role/")
	if !ok {
		return "", "", "", false
	}
	role, session, ok = strings.Cut(rest, "/")
	if !ok || role == "" || session == "" || strings.Contains(session, "/") {
		return "", "", "", false
	}
	return f[4], role, session, true
}
