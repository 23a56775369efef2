package cloudtrail

import (
	"strings"

	"github.com/seclake/seclake/internal/ocsf"
)

// kindOf is the class and activity of an event, chosen from its eventSource and eventName.
type kindOf struct {
	class    int32
	activity int32
}

// accountChanges are the IAM operations that make Account Change events, with their activities.
var accountChanges = map[string]int32{
	"CreateUser": 1, "CreateRole": 1,
	"CreateLoginProfile": 2, "DeleteLoginProfile": 5,
	"ChangePassword": 3, "UpdateLoginProfile": 4,
	"DeleteUser": 6, "DeleteRole": 6,
	"AttachUserPolicy": 7, "AttachRolePolicy": 7, "PutUserPolicy": 7, "PutRolePolicy": 7,
	"DetachUserPolicy": 8, "DetachRolePolicy": 8, "DeleteUserPolicy": 8, "DeleteRolePolicy": 8,
	"EnableMFADevice": 10, "DeactivateMFADevice": 11,
}

// authentications are the sign-in and STS operations that make Authentication events (all Logon).
var authentications = map[string]string{
	"ConsoleLogin":              "signin.amazonaws.com",
	"AssumeRole":                "sts.amazonaws.com",
	"AssumeRoleWithSAML":        "sts.amazonaws.com",
	"AssumeRoleWithWebIdentity": "sts.amazonaws.com",
}

// verbs give API Activity's activity from the first word of the operation's name.
var verbs = []struct {
	prefix   string
	activity int32
}{
	{"Create", 1}, {"Add", 1}, {"Allocate", 1}, {"Import", 1}, {"Register", 1}, {"Run", 1}, {"Issue", 1},
	{"Copy", 1}, {"Generate", 1}, {"Put", 3},
	{"Get", 2}, {"Describe", 2}, {"List", 2}, {"Head", 2}, {"Lookup", 2}, {"Search", 2}, {"Select", 2},
	{"BatchGet", 2}, {"Scan", 2}, {"Query", 2}, {"Check", 2}, {"Decrypt", 2}, {"Verify", 2},
	{"Update", 3}, {"Modify", 3}, {"Set", 3}, {"Change", 3}, {"Attach", 3}, {"Detach", 3}, {"Associate", 3},
	{"Disassociate", 3}, {"Enable", 3}, {"Disable", 3}, {"Start", 3}, {"Stop", 3}, {"Reboot", 3},
	{"Tag", 3}, {"Untag", 3}, {"Reset", 3}, {"Replace", 3}, {"Restore", 3}, {"Upload", 3},
	{"Encrypt", 3}, {"Rotate", 3}, {"Cancel", 3}, {"Accept", 3}, {"Reject", 3}, {"Authorize", 3},
	{"Revoke", 3}, {"Apply", 3}, {"Publish", 3}, {"Send", 3}, {"Deactivate", 3},
	{"Delete", 4}, {"Remove", 4}, {"Terminate", 4}, {"Deregister", 4}, {"Release", 4}, {"Purge", 4},
	{"Abort", 4},
}

// classify chooses the class and activity of an event. Data events are API Activity.
func classify(src, name, table string) kindOf {
	if table == TableManagement {
		if s, ok := authentications[name]; ok && s == src {
			return kindOf{ocsf.ClassAuthentication, 1}
		}
		if a, ok := accountChanges[name]; ok && src == "iam.amazonaws.com" {
			return kindOf{ocsf.ClassAccountChange, a}
		}
	}
	return kindOf{ocsf.ClassAPIActivity, apiActivity(name)}
}

// apiActivity returns Create (1), Read (2), Update (3) or Delete (4) for an operation by its first word, Other
// (99) when it has none of them.
func apiActivity(name string) int32 {
	for _, v := range verbs {
		if strings.HasPrefix(name, v.prefix) && (len(name) == len(v.prefix) || !isLower(name[len(v.prefix)])) {
			return v.activity
		}
	}
	return 99
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
