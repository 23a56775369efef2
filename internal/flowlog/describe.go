package flowlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// Described is a flow log with the state of its deliveries.
type Described struct {
	FlowLog
	// DeliverStatus is SUCCESS or FAILED; DeliverError says, when FAILED, what refused the last file — the
	// principal, the permission and the policy that lacks it, where AWS shows only "Access error".
	DeliverStatus, DeliverError string
	// Held counts the files waiting for delivery; Dropped those dropped while the bound was hit.
	Held    int
	Dropped uint64
}

// Filter is one of DescribeFlowLogs' filters.
type Filter struct {
	Name   string
	Values []string
}

// DescribeFlowLogs lists the caller's flow logs in the caller's region, those of ids when given, that match
// every filter (resource-id, flow-log-id, traffic-type, log-destination-type, deliver-log-status, tag-key,
// tag:<key>), from the token on, at most max (0 for all).
func (s *Service) DescribeFlowLogs(ctx context.Context, c *actor.Caller, ids []string, filters []Filter, max int, token string) ([]Described, string, error) {
	if err := actor.Check(ctx, s.cfg.Authz, c, actor.Request{Action: "ec2:DescribeFlowLogs", Resource: "*"}, refusal); err != nil {
		return nil, "", err
	}
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 {
			return nil, "", ec2Error("InvalidParameterValue", "The NextToken %q is not one seclake gave.", token)
		}
		start = n
	}
	var all []FlowLog
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		all = all[:0]
		var derr error
		err := tx.Scan(tableLogs, meta.Range{Prefix: c.Account + "/" + s.region(c) + "/"}, func(_ string, v []byte) bool {
			var f FlowLog
			if derr = json.Unmarshal(v, &f); derr != nil {
				return false
			}
			all = append(all, f)
			return true
		})
		if err != nil {
			return err
		}
		return derr
	})
	if err != nil {
		return nil, "", fmt.Errorf("flowlog: describe: %w", err)
	}
	sort.Slice(all, func(i, j int) bool {
		return all[i].Created.Before(all[j].Created) || all[i].Created.Equal(all[j].Created) && all[i].ID < all[j].ID
	})
	var out []Described
	for _, f := range all {
		if len(ids) > 0 && !slices.Contains(ids, f.ID) {
			continue
		}
		d, err := s.described(ctx, f)
		if err != nil {
			return nil, "", err
		}
		if matches(&d, filters) {
			out = append(out, d)
		}
	}
	if start > len(out) {
		start = len(out)
	}
	out = out[start:]
	next := ""
	if max > 0 && len(out) > max {
		out, next = out[:max], strconv.Itoa(start+max)
	}
	return out, next, nil
}

func (s *Service) described(ctx context.Context, f FlowLog) (Described, error) {
	st, err := s.cfg.Delivery.StreamStatus(ctx, f.stream())
	if err != nil {
		return Described{}, err
	}
	d := Described{FlowLog: f, DeliverStatus: "SUCCESS", Held: st.Held, Dropped: st.Dropped}
	if st.LastError != "" {
		d.DeliverStatus, d.DeliverError = "FAILED", st.LastError
		if st.Held > 0 {
			d.DeliverError += fmt.Sprintf(" [%d file(s) held, delivered once the policy allows it", st.Held)
			if st.Dropped > 0 {
				d.DeliverError += fmt.Sprintf("; %d dropped when the hold was full", st.Dropped)
			}
			d.DeliverError += "]"
		}
	}
	return d, nil
}

func matches(d *Described, filters []Filter) bool {
	for _, f := range filters {
		var v []string
		switch name := f.Name; {
		case name == "resource-id":
			v = []string{d.ResourceID}
		case name == "flow-log-id":
			v = []string{d.ID}
		case name == "traffic-type":
			v = []string{d.TrafficType}
		case name == "log-destination-type":
			v = []string{"s3"}
		case name == "deliver-log-status":
			v = []string{d.DeliverStatus}
		case name == "tag-key":
			for _, t := range d.Tags {
				v = append(v, t.Key)
			}
		case strings.HasPrefix(name, "tag:"):
			for _, t := range d.Tags {
				if t.Key == name[4:] {
					v = append(v, t.Value)
				}
			}
		}
		if !slices.ContainsFunc(v, func(x string) bool { return slices.Contains(f.Values, x) }) {
			return false
		}
	}
	return true
}

// DeleteFlowLogs deletes flow logs of the caller's region; those that do not exist are reported.
func (s *Service) DeleteFlowLogs(ctx context.Context, c *actor.Caller, ids []string) ([]Unsuccessful, error) {
	if len(ids) == 0 {
		return nil, ec2Error("MissingParameter", "The request must contain the parameter FlowLogId.")
	}
	region := s.region(c)
	var failed []Unsuccessful
	for _, id := range ids {
		arn := "arn:aws:ec2:" + region + ":" + c.Account + ":vpc-flow-log/" + id
		if err := actor.Check(ctx, s.cfg.Authz, c, actor.Request{Action: "ec2:DeleteFlowLogs", Resource: arn}, refusal); err != nil {
			return nil, err
		}
		err := s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
			return tx.Delete(tableLogs, logKey(c.Account, region, id))
		})
		if errors.Is(err, meta.ErrNotFound) {
			failed = append(failed, Unsuccessful{id, "InvalidFlowLogId.NotFound", "Flow log " + id + " does not exist"})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("flowlog: delete %s: %w", id, err)
		}
	}
	return failed, s.reload(ctx, true)
}
