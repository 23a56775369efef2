package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/clock"
)

func TestKMSRotationAndDeletionOnTheClock(t *testing.T) {
	fake := clock.NewFake(time.Now())
	s := startServer(t, withClock(fake))
	ctx := context.Background()
	c := kms.NewFromConfig(s.rootConfig(), func(o *kms.Options) { o.HTTPSignerV4 = serverTimeSigner{fake, v4.NewSigner()} })
	md := kmsKey(t, c, nil)
	blobs := map[string][]byte{}
	encrypt := func(text string) {
		out, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte(text)})
		require.NoError(t, err)
		blobs[text] = out.CiphertextBlob
	}
	rotations := func() []types.RotationsListEntry {
		out, err := c.ListKeyRotations(ctx, &kms.ListKeyRotationsInput{KeyId: md.KeyId})
		require.NoError(t, err)
		return out.Rotations
	}
	encrypt("before the automatic rotation")

	_, err := c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: md.KeyId, RotationPeriodInDays: aws.Int32(180)})
	require.NoError(t, err)
	st, err := c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: md.KeyId})
	require.NoError(t, err)
	next := aws.ToTime(st.NextRotationDate)
	require.WithinDuration(t, fake.Now().Add(180*24*time.Hour), next, time.Second)

	// Six months later the key has rotated on its own.
	fake.Set(next.Add(time.Minute))
	require.Eventually(t, func() bool { return len(rotations()) == 1 }, 10*time.Second, 5*time.Millisecond)
	encrypt("after the automatic rotation")
	_, err = c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: md.KeyId})
	require.NoError(t, err)
	encrypt("after the on-demand rotation")

	got := rotations()
	require.Len(t, got, 2)
	require.Equal(t, types.RotationTypeAutomatic, got[0].RotationType)
	require.Equal(t, types.KeyMaterialStateNonCurrent, got[0].KeyMaterialState)
	require.Equal(t, types.RotationTypeOnDemand, got[1].RotationType)
	require.Equal(t, types.KeyMaterialStateCurrent, got[1].KeyMaterialState)
	materials := map[string]bool{}
	for text, blob := range blobs {
		dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
		require.NoError(t, err)
		require.Equal(t, text, string(dec.Plaintext))
		materials[aws.ToString(dec.KeyMaterialId)] = true
	}
	require.Len(t, materials, 3, "each ciphertext names the material it was made with")

	// Scheduled deletion: refused at once, gone after the window.
	sched, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId, PendingWindowInDays: aws.Int32(7)})
	require.NoError(t, err)
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blobs["before the automatic rotation"]})
	require.Equal(t, "KMSInvalidStateException", apiCode(t, err))
	fake.Set(aws.ToTime(sched.DeletionDate).Add(time.Minute))
	require.Eventually(t, func() bool {
		_, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: md.KeyId})
		return err != nil && apiCode(t, err) == "NotFoundException"
	}, 10*time.Second, 5*time.Millisecond)
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blobs["after the on-demand rotation"]})
	require.Equal(t, "AccessDeniedException", apiCode(t, err))
	keys, err := c.ListKeys(ctx, &kms.ListKeysInput{})
	require.NoError(t, err)
	require.Empty(t, keys.Keys)

	// KMS's own work is on the trail too.
	ct := cloudtrail.NewFromConfig(s.rootConfig(), func(o *cloudtrail.Options) { o.HTTPSignerV4 = serverTimeSigner{fake, v4.NewSigner()} })
	events, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyResourceName, AttributeValue: md.Arn}}})
	require.NoError(t, err)
	names := map[string]bool{}
	for _, e := range events.Events {
		names[aws.ToString(e.EventName)] = true
	}
	require.True(t, names["RotateKey"], "%v", names)
	require.True(t, names["DeleteKey"], "%v", names)
}
