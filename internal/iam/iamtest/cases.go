// Package iamtest turns the policy engine's evaluation cases (internal/iam/policy/testdata/cases) into
// policy-simulator requests, so tests can replay them through SimulateCustomPolicy — directly against the
// identity service, or with a real client against a running server.
package iamtest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Case is the part of an evaluation case that a simulation can express.
type Case struct {
	Name                  string              `json:"name"`
	Rule                  string              `json:"rule"`
	Identity              []json.RawMessage   `json:"identity"`
	Resource              json.RawMessage     `json:"resource"`
	ResourceKind          string              `json:"resourceKind"`
	ResourceAccount       string              `json:"resourceAccount"`
	Boundary              []json.RawMessage   `json:"boundary"`
	Session               []json.RawMessage   `json:"session"`
	SCPs                  [][]json.RawMessage `json:"scps"`
	RequireResourcePolicy bool                `json:"requireResourcePolicy"`
	Principal             map[string]any      `json:"principal"`
	Action                string              `json:"action"`
	ResourceARN           string              `json:"resourceArn"`
	Context               map[string]any      `json:"context"`
	Expect                struct {
		Decision string   `json:"decision"`
		Missing  []string `json:"missing"`
	} `json:"expect"`
}

// Simulation is a SimulateCustomPolicy request, with the parameters' wire names.
type Simulation struct {
	PolicyInputList                    []string
	PermissionsBoundaryPolicyInputList []string `json:",omitempty"`
	ActionNames                        []string
	ResourceArns                       []string
	ResourcePolicy                     string         `json:",omitempty"`
	ResourceOwner                      string         `json:",omitempty"`
	CallerArn                          string         `json:",omitempty"`
	ContextEntries                     []ContextEntry `json:",omitempty"`
}

// ContextEntry is IAM's ContextEntry.
type ContextEntry struct {
	ContextKeyName   string
	ContextKeyValues []string
	ContextKeyType   string
}

// Load reads every case file in dir (sorted by file, then in file order); names are "<file>/<case>".
func Load(dir string) ([]Case, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var all []Case
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var cases []Case
		if err := json.Unmarshal(raw, &cases); err != nil {
			return nil, fmt.Errorf("decode %s: %w", f, err)
		}
		for i := range cases {
			cases[i].Name = strings.TrimSuffix(filepath.Base(f), ".json") + "/" + cases[i].Name
		}
		all = append(all, cases...)
	}
	return all, nil
}

// ResourcePolicyKind is how seclake's simulator evaluates a resource policy for an action: "key" for KMS
// actions on keys, "trust" for STS actions on roles, "resource" otherwise.
func ResourcePolicyKind(action, resource string) string {
	a := strings.ToLower(action)
	switch {
	case strings.HasPrefix(a, "kms:") && strings.Contains(resource, ":key/"):
		return "key"
	case strings.HasPrefix(a, "sts:") && strings.Contains(resource, ":role/"):
		return "trust"
	}
	return "resource"
}

// Simulation returns the case as a SimulateCustomPolicy request, or why it cannot be one.
func (c *Case) Simulation() (*Simulation, string) {
	if why := c.unsupported(); why != "" {
		return nil, why
	}
	caller, why := c.callerARN()
	if why != "" {
		return nil, why
	}
	userID := c.uniqueID()
	if userID != "" && c.mentions(userID) {
		return nil, "the case depends on a unique ID the simulator cannot know for a principal seclake does not hold"
	}
	sim := &Simulation{PolicyInputList: []string{}, ActionNames: []string{c.Action}, ResourceArns: []string{c.ResourceARN},
		CallerArn: caller, ResourceOwner: c.ResourceAccount, ResourcePolicy: string(c.Resource)}
	for _, d := range c.Identity {
		sim.PolicyInputList = append(sim.PolicyInputList, string(d))
	}
	for _, d := range c.Boundary {
		sim.PermissionsBoundaryPolicyInputList = append(sim.PermissionsBoundaryPolicyInputList, string(d))
	}
	if userID != "" {
		// The simulator derives aws:userid from the principal; the case gives it.
		sim.ContextEntries = append(sim.ContextEntries, ContextEntry{ContextKeyName: "aws:userid", ContextKeyValues: []string{userID}, ContextKeyType: "string"})
	}
	keys := make([]string, 0, len(c.Context))
	for k := range c.Context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ce := ContextEntry{ContextKeyName: k, ContextKeyValues: []string{}, ContextKeyType: "string"}
		switch v := c.Context[k].(type) {
		case string:
			ce.ContextKeyValues = []string{v}
		case []any:
			ce.ContextKeyType = "stringList"
			for _, e := range v {
				ce.ContextKeyValues = append(ce.ContextKeyValues, fmt.Sprint(e))
			}
		}
		sim.ContextEntries = append(sim.ContextEntries, ce)
	}
	return sim, ""
}

// unsupported says why the case's policies cannot be passed to the simulator, or "".
func (c *Case) unsupported() string {
	switch {
	case c.Session != nil || c.SCPs != nil:
		return "session policies and SCPs have no SimulateCustomPolicy parameter"
	case c.RequireResourcePolicy && c.Resource == nil:
		return "a key or trust policy that is absent has no SimulateCustomPolicy parameter"
	case c.Resource == nil:
		return ""
	}
	want := c.ResourceKind
	if want == "" {
		want = "resource"
	}
	got := ResourcePolicyKind(c.Action, c.ResourceARN)
	if want != got || c.RequireResourcePolicy != (got != "resource") {
		return "the simulator evaluates this resource policy as a " + got + " policy"
	}
	return ""
}

func (c *Case) str(k string) string {
	s, _ := c.Principal[k].(string)
	return s
}

// uniqueID is the aws:userid of the case's principal, if it has one.
func (c *Case) uniqueID() string {
	switch {
	case c.str("user") != "":
		return c.str("id")
	case c.str("role") != "" && c.str("roleId") != "":
		return c.str("roleId") + ":" + c.str("session")
	}
	return ""
}

// mentions reports whether a policy or context value of the case contains the ID part of s.
func (c *Case) mentions(s string) bool {
	id, _, _ := strings.Cut(s, ":")
	raw, _ := json.Marshal([]any{c.Identity, c.Resource, c.Boundary, c.Context})
	return strings.Contains(string(raw), id)
}

// callerARN is the case's principal as a CallerArn.
func (c *Case) callerARN() (string, string) {
	switch {
	case c.str("user") != "":
		return c.str("user"), ""
	case c.str("root") != "":
		return "arn:aws:iam::" + c.str("root") + ":root", ""
	case c.str("role") != "":
		f := strings.SplitN(c.str("role"), ":", 6)
		if len(f) != 6 || strings.Count(f[5], "/") != 1 {
			return "", "a session of a role with a path has no CallerArn"
		}
		return "arn:aws:sts::" + f[4] + ":assumed-role/" + strings.TrimPrefix(f[5], "role/") + "/" + c.str("session"), ""
	}
	return "", "services, federated users and anonymous callers have no CallerArn"
}
