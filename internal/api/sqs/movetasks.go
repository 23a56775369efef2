package sqs

import (
	"context"

	"github.com/seclake/seclake/internal/api"
)

type startMessageMoveTaskInput struct {
	SourceArn                    string
	DestinationArn               string
	MaxNumberOfMessagesPerSecond int
}

type startMessageMoveTaskOutput struct {
	TaskHandle string
}

func (h *handler) startMessageMoveTask(ctx context.Context, c *api.Call, in *startMessageMoveTaskInput) (*startMessageMoveTaskOutput, error) {
	t, err := h.q.StartMoveTask(ctx, c.Caller, in.SourceArn, in.DestinationArn, in.MaxNumberOfMessagesPerSecond)
	if err != nil {
		return nil, err
	}
	return &startMessageMoveTaskOutput{TaskHandle: t.Handle}, nil
}

type cancelMessageMoveTaskInput struct {
	TaskHandle string
}

type cancelMessageMoveTaskOutput struct {
	ApproximateNumberOfMessagesMoved int64
}

func (h *handler) cancelMessageMoveTask(ctx context.Context, c *api.Call, in *cancelMessageMoveTaskInput) (*cancelMessageMoveTaskOutput, error) {
	n, err := h.q.CancelMoveTask(ctx, c.Caller, in.TaskHandle)
	if err != nil {
		return nil, err
	}
	return &cancelMessageMoveTaskOutput{ApproximateNumberOfMessagesMoved: n}, nil
}

type listMessageMoveTasksInput struct {
	SourceArn  string
	MaxResults int
}

type moveTaskEntry struct {
	TaskHandle                        string `json:",omitempty"`
	Status                            string
	SourceArn                         string
	DestinationArn                    string `json:",omitempty"`
	MaxNumberOfMessagesPerSecond      int    `json:",omitempty"`
	ApproximateNumberOfMessagesMoved  int64
	ApproximateNumberOfMessagesToMove int64
	FailureReason                     string `json:",omitempty"`
	StartedTimestamp                  int64
}

type listMessageMoveTasksOutput struct {
	Results []moveTaskEntry `xml:"ListMessageMoveTasksResultEntry"`
}

func (h *handler) listMessageMoveTasks(ctx context.Context, c *api.Call, in *listMessageMoveTasksInput) (*listMessageMoveTasksOutput, error) {
	tasks, err := h.q.MoveTasks(ctx, c.Caller, in.SourceArn, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &listMessageMoveTasksOutput{Results: []moveTaskEntry{}}
	for _, t := range tasks {
		e := moveTaskEntry{Status: t.Status, SourceArn: t.SourceARN, DestinationArn: t.Destination, MaxNumberOfMessagesPerSecond: t.MaxPerSec,
			ApproximateNumberOfMessagesMoved: t.Moved, ApproximateNumberOfMessagesToMove: t.ToMove, FailureReason: t.Failure, StartedTimestamp: t.Started}
		if t.Status == "RUNNING" {
			e.TaskHandle = t.Handle
		}
		out.Results = append(out.Results, e)
	}
	return out, nil
}
