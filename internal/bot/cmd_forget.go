package bot

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"
)

// Custom IDs of the /forget-me buttons.
const (
	forgetConfirmID = "forget-me:confirm"
	forgetCancelID  = "forget-me:cancel"
)

// forgetMe asks for confirmation first: the deletion cannot be undone.
func (b *Bot) forgetMe(_ context.Context, _ *call) (reply, error) {
	return reply{
		content: "This deletes, for every character, everything they remember about you, how they feel about you, " +
			"and the messages you sent them. It cannot be undone. Delete it all?",
		components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Delete everything about me", Style: discordgo.DangerButton, CustomID: forgetConfirmID},
			discordgo.Button{Label: "Cancel", Style: discordgo.SecondaryButton, CustomID: forgetCancelID},
		}}},
	}, nil
}

// confirmForget runs the deletion for whoever clicked: the confirmation is
// ephemeral, so that is the user who asked.
func (b *Bot) confirmForget(ctx context.Context, i *discordgo.Interaction) {
	user := interactionUser(i)
	err := b.session.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate},
		discordgo.WithContext(ctx))
	if err != nil {
		b.discordFailed(ctx, "defer the update", err)
		return
	}
	var content string
	n, err := b.mcp.ForgetUser(ctx, user.ID)
	ctx, cancel := delivery(ctx)
	defer cancel()
	if err != nil {
		content = b.explain(ctx, cmdForgetMe, err)
	} else {
		b.logger.InfoContext(ctx, "forgot a user", "user", user.ID, "memories_deleted", n)
		content = fmt.Sprintf("🗑️ Done: %d memories about you, your relationships and your messages were deleted.", n)
	}
	content = escapeMentions(content)
	if _, err := b.session.InteractionResponseEdit(i, &discordgo.WebhookEdit{
		Content: &content, Components: &[]discordgo.MessageComponent{}, AllowedMentions: noMentions(),
	}, discordgo.WithContext(ctx)); err != nil {
		b.discordFailed(ctx, "show the result", err)
	}
}
