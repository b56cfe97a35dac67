package bot

import (
	"github.com/bwmarrin/discordgo"
)

// Input caps. Discord's client enforces the MaxLength of a string option;
// the bot enforces the same caps itself (see validateOptions), for
// requests that do not come from the official client and for mentions.
const (
	maxNameLength        = 80
	maxPersonaLength     = 1000
	maxMessageLength     = 1500
	maxMemoryLength      = 500
	maxQueryLength       = 200
	maxDescriptionLength = 500
	maxTimelineShown     = 25
)

// Names of the slash commands, subcommands and their options.
const (
	cmdCharacter    = "character"
	cmdTalk         = "talk"
	cmdRemember     = "remember"
	cmdRecall       = "recall"
	cmdTimeline     = "timeline"
	cmdRelationship = "relationship"
	cmdForgetMe     = "forget-me"
	cmdStatus       = "status"
	cmdPersona      = "persona"
)

// commandDefinitions are the slash commands as registered with Discord.
// Every command and subcommand has a handler of the same path (see
// Bot.commandHandlers).
func commandDefinitions() []*discordgo.ApplicationCommand {
	return []*discordgo.ApplicationCommand{
		{
			Name:        cmdCharacter,
			Description: "Create, list, inspect and choose characters",
			Options: []*discordgo.ApplicationCommandOption{
				subcommand("create", "Create a new character",
					text("name", "Unique name, e.g. Aria", true, maxNameLength),
					text("personality", "Traits and temperament", false, maxPersonaLength),
					text("background", "Backstory", false, maxPersonaLength),
					text("speech_patterns", "How the character talks", false, maxPersonaLength),
					text("goals", "Long-term goals, separated by semicolons", false, maxPersonaLength),
					text("style", "Writing style of the replies", false, maxPersonaLength)),
				subcommand("list", "List the characters"),
				subcommand("info", "Show a character's persona and current state",
					text("name", "The character (default: the one active here)", false, maxNameLength)),
				subcommand("use", "Choose the character that answers in this channel",
					text("name", "The character's name", true, maxNameLength)),
				subcommand("join", "Bring another character into this channel's scene",
					text("name", "The character's name", true, maxNameLength)),
				subcommand("leave", "Send a character out of this channel's scene",
					text("name", "The character's name", true, maxNameLength)),
				subcommand("import", "Create a character from a character card (PNG, JSON or CHARX)",
					file("card", "The card file, as SillyTavern, chub or RisuAI export it", true)),
			},
		},
		{
			Name:        cmdTalk,
			Description: "Say something to this channel's character",
			Options: []*discordgo.ApplicationCommandOption{
				text("message", "What you say or do (*actions* in asterisks)", true, maxMessageLength),
				text("character", "Who you talk to (default: the scene's lead)", false, maxNameLength),
			},
		},
		{
			Name:        cmdRemember,
			Description: "Tell this channel's character something to remember about you",
			Options: []*discordgo.ApplicationCommandOption{
				text("text", "What to remember, e.g. My sister Mia is a pilot", true, maxMemoryLength),
				integer("importance", "How much it matters, 1 (trivial) to 10 (life-changing); default 6", false, 1, 10),
			},
		},
		{
			Name:        cmdRecall,
			Description: "Ask what this channel's character remembers about you",
			Options:     []*discordgo.ApplicationCommandOption{text("query", "What about, e.g. my family", true, maxQueryLength)},
		},
		{
			Name:        cmdTimeline,
			Description: "The story of this channel",
			Options: []*discordgo.ApplicationCommandOption{
				subcommand("show", "Show the latest story events",
					integer("limit", "How many events, 1 to 25; default 10", false, 1, maxTimelineShown)),
				subcommand("add", "Add a story event",
					text("description", "What happened", true, maxDescriptionLength),
					withChoices(text("type", "Kind of event; default action", false, 0),
						"action", "plot_point", "decision", "location_change", "dialogue"),
					integer("impact", "How much it changes the story, 0 to 10; default 5", false, 0, 10)),
			},
		},
		{
			Name:        cmdPersona,
			Description: "Who you are in the story: the name the characters call you and who you are",
			Options: []*discordgo.ApplicationCommandOption{
				subcommand("set", "Set your persona (in every channel)",
					text("name", "The name the characters call you, e.g. Sam the Wanderer", true, maxNameLength),
					text("description", "Who you are: looks, background, manner", false, maxPersonaLength)),
				subcommand("show", "Show your persona"),
				subcommand("clear", "Remove your persona: the characters use your display name again"),
			},
		},
		{Name: cmdRelationship, Description: "How this channel's character feels about you"},
		{Name: cmdForgetMe, Description: "Delete everything the characters remember about you, and your messages"},
		{Name: cmdStatus, Description: "Health of the bot, the character server and the language model"},
	}
}

// globalCommandDefinitions are the commands registered globally: usable in
// servers and in direct messages with the bot. (Contexts are for global
// commands only; a guild's commands are used in the guild.)
func globalCommandDefinitions() []*discordgo.ApplicationCommand {
	return withContexts(commandDefinitions(), discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM)
}

// dmCommandDefinitions are the global commands registered besides a
// guild's: for direct messages with the bot only, which no guild command
// reaches (without them a DM user told to run /character use could not),
// and hidden in servers, where the guild's own commands serve.
func dmCommandDefinitions() []*discordgo.ApplicationCommand {
	return withContexts(commandDefinitions(), discordgo.InteractionContextBotDM)
}

func withContexts(commands []*discordgo.ApplicationCommand, contexts ...discordgo.InteractionContextType) []*discordgo.ApplicationCommand {
	for _, c := range commands {
		c.Contexts = &contexts
	}
	return commands
}

func subcommand(name, description string, options ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
	return &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionSubCommand, Name: name, Description: description, Options: options,
	}
}

func text(name, description string, required bool, maxLength int) *discordgo.ApplicationCommandOption {
	return &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionString, Name: name, Description: description,
		Required: required, MaxLength: maxLength,
	}
}

func file(name, description string, required bool) *discordgo.ApplicationCommandOption {
	return &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionAttachment, Name: name, Description: description, Required: required,
	}
}

func integer(name, description string, required bool, lo, hi float64) *discordgo.ApplicationCommandOption {
	return &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionInteger, Name: name, Description: description,
		Required: required, MinValue: &lo, MaxValue: hi,
	}
}

func withChoices(o *discordgo.ApplicationCommandOption, values ...string) *discordgo.ApplicationCommandOption {
	for _, v := range values {
		o.Choices = append(o.Choices, &discordgo.ApplicationCommandOptionChoice{Name: v, Value: v})
	}
	return o
}

// commandPaths gives the options of every invocable command path ("talk",
// "character create").
func commandPaths(defs []*discordgo.ApplicationCommand) map[string][]*discordgo.ApplicationCommandOption {
	paths := map[string][]*discordgo.ApplicationCommandOption{}
	for _, d := range defs {
		if len(d.Options) > 0 && d.Options[0].Type == discordgo.ApplicationCommandOptionSubCommand {
			for _, sub := range d.Options {
				paths[d.Name+" "+sub.Name] = sub.Options
			}
			continue
		}
		paths[d.Name] = d.Options
	}
	return paths
}
