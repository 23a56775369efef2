package iam

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/iam"
)

type createAccessKeyInput struct {
	UserName string
}

type accessKey struct {
	UserName        string
	AccessKeyId     string
	Status          string
	SecretAccessKey string `sensitive:"true"`
	CreateDate      time.Time
}

type createAccessKeyOutput struct {
	AccessKey accessKey
}

func (h *handler) createAccessKey(ctx context.Context, c *api.Call, in *createAccessKeyInput) (*createAccessKeyOutput, error) {
	k, err := h.ids.CreateAccessKey(ctx, c.Caller, in.UserName)
	if err != nil {
		return nil, err
	}
	return &createAccessKeyOutput{AccessKey: accessKey{UserName: k.UserName, AccessKeyId: k.ID, Status: string(k.Status), SecretAccessKey: k.Secret, CreateDate: k.Created}}, nil
}

type listAccessKeysInput struct {
	UserName string
	Marker   string
	MaxItems int
}

type accessKeyMetadata struct {
	UserName    string
	AccessKeyId string
	Status      string
	CreateDate  time.Time
}

type listAccessKeysOutput struct {
	AccessKeyMetadata []accessKeyMetadata `xml:"AccessKeyMetadata>member"`
	IsTruncated       bool
}

func (h *handler) listAccessKeys(ctx context.Context, c *api.Call, in *listAccessKeysInput) (*listAccessKeysOutput, error) {
	keys, err := h.ids.ListAccessKeys(ctx, c.Caller, in.UserName)
	if err != nil {
		return nil, err
	}
	out := &listAccessKeysOutput{AccessKeyMetadata: make([]accessKeyMetadata, 0, len(keys))}
	for _, k := range keys {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, accessKeyMetadata{UserName: k.UserName, AccessKeyId: k.ID, Status: string(k.Status), CreateDate: k.Created})
	}
	return out, nil
}

type updateAccessKeyInput struct {
	UserName    string
	AccessKeyId string
	Status      string
}

func (h *handler) updateAccessKey(ctx context.Context, c *api.Call, in *updateAccessKeyInput) (*struct{}, error) {
	return nil, h.ids.UpdateAccessKey(ctx, c.Caller, in.UserName, in.AccessKeyId, iam.KeyStatus(in.Status))
}

type deleteAccessKeyInput struct {
	UserName    string
	AccessKeyId string
}

func (h *handler) deleteAccessKey(ctx context.Context, c *api.Call, in *deleteAccessKeyInput) (*struct{}, error) {
	return nil, h.ids.DeleteAccessKey(ctx, c.Caller, in.UserName, in.AccessKeyId)
}
