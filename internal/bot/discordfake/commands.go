package discordfake

import (
	"fmt"
	"regexp"

	"github.com/bwmarrin/discordgo"
)

// Discord's limits on slash command definitions.
const (
	maxCommands       = 100
	maxOptions        = 25
	maxDescription    = 100
	maxChoices        = 25
	maxCommandNameLen = 32
)

// commandName is what Discord accepts as a chat command or option name
// (lowercase where the script has case).
var commandName = regexp.MustCompile(`^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$`)

// validateCommands checks a bulk overwrite as Discord does, naming the
// field at fault: names, descriptions, counts, unique names, and required
// options before optional ones. The messages follow Discord's wording,
// which a client shows as it is.
func validateCommands(cmds []*discordgo.ApplicationCommand) error {
	if len(cmds) > maxCommands {
		return fmt.Errorf("Must be %d or fewer in length", maxCommands)
	}
	seen := map[string]bool{}
	for i, c := range cmds {
		at := fmt.Sprintf("%d", i)
		if seen[c.Name] {
			return fmt.Errorf("%s.name: Application command names must be unique", at)
		}
		seen[c.Name] = true
		if err := validateNamed(at, c.Name, c.Description); err != nil {
			return err
		}
		if err := validateOptions(at, c.Options); err != nil {
			return err
		}
	}
	return nil
}

func validateNamed(at, name, description string) error {
	if !commandName.MatchString(name) {
		return fmt.Errorf("%s.name: Command name is invalid (1-%d lowercase characters)", at, maxCommandNameLen)
	}
	if n := len([]rune(description)); n < 1 || n > maxDescription {
		return fmt.Errorf("%s.description: Must be between 1 and %d in length", at, maxDescription)
	}
	return nil
}

func validateOptions(at string, opts []*discordgo.ApplicationCommandOption) error {
	if len(opts) > maxOptions {
		return fmt.Errorf("%s.options: Must be %d or fewer in length", at, maxOptions)
	}
	optional := false
	seen := map[string]bool{}
	for i, o := range opts {
		oat := fmt.Sprintf("%s.options.%d", at, i)
		if seen[o.Name] {
			return fmt.Errorf("%s.name: Option names must be unique", oat)
		}
		seen[o.Name] = true
		if err := validateNamed(oat, o.Name, o.Description); err != nil {
			return err
		}
		if len(o.Choices) > maxChoices {
			return fmt.Errorf("%s.choices: Must be %d or fewer in length", oat, maxChoices)
		}
		switch o.Type {
		case discordgo.ApplicationCommandOptionSubCommand, discordgo.ApplicationCommandOptionSubCommandGroup:
			if err := validateOptions(oat, o.Options); err != nil {
				return err
			}
			continue
		}
		if o.Required && optional {
			return fmt.Errorf("%s.required: Required options must be placed before non-required options", oat)
		}
		optional = optional || !o.Required
	}
	return nil
}
