package resources

import "github.com/mojin/charsim/internal/version"

// ImageRegistry is where the release images of charsim are published.
const ImageRegistry = "ghcr.io/mojin"

// Options are operator-wide settings the manager injects into every build.
type Options struct {
	// MCPServerImage runs the MCP server unless spec.mcpServer.image is set.
	MCPServerImage string
	// DiscordBotImage runs the bot unless spec.discordBot.image is set.
	DiscordBotImage string
	// OperatorImage runs the scheduled backup Jobs (it holds charsimctl).
	OperatorImage string
}

// DefaultOptions uses the images of the operator's own release.
func DefaultOptions() Options {
	return Options{
		MCPServerImage:  DefaultMCPServerImage(),
		DiscordBotImage: DefaultDiscordBotImage(),
		OperatorImage:   DefaultOperatorImage(),
	}
}

// DefaultMCPServerImage is the MCP server image matching this operator build.
func DefaultMCPServerImage() string {
	return ImageRegistry + "/charsim-mcp-server:" + version.Version
}

// DefaultDiscordBotImage is the Discord bot image matching this operator build.
func DefaultDiscordBotImage() string {
	return ImageRegistry + "/charsim-discord-bot:" + version.Version
}

// DefaultOperatorImage is the operator's own image, which also holds charsimctl.
func DefaultOperatorImage() string {
	return ImageRegistry + "/charsim-operator:" + version.Version
}
