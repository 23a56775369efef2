package ingest

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/lake"
)

type checkInput struct {
	Region string `json:"-" location:"querystring" name:"region"`
}

type checkOutput struct {
	Region string       `json:"region"`
	Failed int          `json:"failed"`
	Checks []lake.Check `json:"checks"`
}

func (h *handler) checkDataLake(ctx context.Context, c *api.Call, in *checkInput) (*checkOutput, error) {
	checks, err := h.lakes.CheckDataLake(ctx, c.Caller, in.Region)
	if err != nil {
		return nil, err
	}
	out := &checkOutput{Region: in.Region, Checks: checks}
	if out.Region == "" {
		out.Region = c.Caller.Region
	}
	for _, ch := range checks {
		if !ch.OK {
			out.Failed++
		}
	}
	if out.Checks == nil {
		out.Checks = []lake.Check{}
	}
	return out, nil
}

type reencryptInput struct {
	Region string `json:"region,omitempty"`
}

type getReencryptInput struct {
	Region string `json:"-" location:"querystring" name:"region"`
}

type reencryptOutput struct {
	Reencryption *lake.Reencryption `json:"reencryption"`
}

func (h *handler) startReencryption(ctx context.Context, c *api.Call, in *reencryptInput) (*reencryptOutput, error) {
	r, err := h.lakes.StartReencryption(ctx, c.Caller, in.Region)
	if err != nil {
		return nil, err
	}
	return &reencryptOutput{Reencryption: r}, nil
}

func (h *handler) getReencryption(ctx context.Context, c *api.Call, in *getReencryptInput) (*reencryptOutput, error) {
	r, err := h.lakes.GetReencryption(ctx, c.Caller, in.Region)
	if err != nil {
		return nil, err
	}
	return &reencryptOutput{Reencryption: r}, nil
}
