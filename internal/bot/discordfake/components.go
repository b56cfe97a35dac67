package discordfake

import (
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// Discord's limits of message components (without the Components V2 flag,
// whose layouts the emulator does not check).
const (
	maxActionRows    = 5
	maxRowWidth      = 5 // buttons in a row; a select menu takes a row alone
	maxCustomID      = 100
	maxButtonLabel   = 80
	maxSelectOptions = 25
	maxPlaceholder   = 150
)

// messageFlagsComponentsV2 (IS_COMPONENTS_V2) allows the newer layouts.
const messageFlagsComponentsV2 discordgo.MessageFlags = 1 << 15

// component is a message component as a client sends it.
type component struct {
	Type        discordgo.ComponentType `json:"type"`
	CustomID    string                  `json:"custom_id"`
	Style       int                     `json:"style"`
	Label       string                  `json:"label"`
	URL         string                  `json:"url"`
	SKUID       string                  `json:"sku_id"`
	Placeholder string                  `json:"placeholder"`
	Options     []struct{}              `json:"options"`
	Components  []component             `json:"components"`
}

func customIDs(cs []component) []string {
	var ids []string
	for _, c := range cs {
		if c.CustomID != "" {
			ids = append(ids, c.CustomID)
		}
		ids = append(ids, customIDs(c.Components)...)
	}
	return ids
}

// formErrors is the "errors" tree of Discord's 50035 Invalid Form Body:
// keys are the field path (array indexes as strings), and each invalid
// field holds "_errors": [{code, message}].
type formErrors map[string]any

func (e formErrors) add(path []string, code, message string) {
	node := map[string]any(e)
	for _, p := range path {
		next, ok := node[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			node[p] = next
		}
		node = next
	}
	errs, _ := node["_errors"].([]map[string]string)
	node["_errors"] = append(errs, map[string]string{"code": code, "message": message})
}

// write answers 400 with the tree, as Discord does; false when there is
// nothing to report.
func (e formErrors) write(w http.ResponseWriter) bool {
	if len(e) == 0 {
		return false
	}
	writeJSON(w, http.StatusBadRequest, map[string]any{"code": codeInvalidForm, "message": "Invalid Form Body", "errors": e})
	return true
}

func tooLong(n int) string { return fmt.Sprintf("Must be %d or fewer in length.", n) }
func between(n int) string { return fmt.Sprintf("Must be between 1 and %d in length.", n) }

const codeRequired, msgRequired = "BASE_TYPE_REQUIRED", "This field is required"

// validateComponents checks a message's components as Discord does, into
// errs under prefix (the path of the components field).
func validateComponents(cs []component, flags discordgo.MessageFlags, prefix []string, errs formErrors) {
	if flags&messageFlagsComponentsV2 != 0 {
		return
	}
	at := func(p ...string) []string { return append(append([]string(nil), prefix...), p...) }
	if len(cs) > maxActionRows {
		errs.add(at(), "BASE_TYPE_MAX_LENGTH", tooLong(maxActionRows))
	}
	seen := map[string]bool{}
	for i, row := range cs {
		ri := strconv.Itoa(i)
		if row.Type != discordgo.ActionsRowComponent {
			errs.add(at(ri, "type"), "UNION_TYPE_CHOICES", `Value of field "type" must be one of (1,).`)
			continue
		}
		if n := len(row.Components); n == 0 || n > maxRowWidth {
			errs.add(at(ri, "components"), "BASE_TYPE_BAD_LENGTH", between(maxRowWidth))
		}
		width := 0
		for j, c := range row.Components {
			cp := func(p ...string) []string { return at(append([]string{ri, "components", strconv.Itoa(j)}, p...)...) }
			switch c.Type {
			case discordgo.ButtonComponent:
				width++
				validateButton(c, cp, errs)
			case discordgo.SelectMenuComponent, discordgo.UserSelectMenuComponent, discordgo.RoleSelectMenuComponent,
				discordgo.MentionableSelectMenuComponent, discordgo.ChannelSelectMenuComponent:
				width += maxRowWidth
				validateSelect(c, cp, errs)
			default:
				errs.add(cp("type"), "UNION_TYPE_CHOICES", `Value of field "type" must be one of (2, 3, 5, 6, 7, 8).`)
				continue
			}
			if width > maxRowWidth && len(row.Components) <= maxRowWidth {
				errs.add(cp(), "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width")
			}
			if c.CustomID != "" {
				if seen[c.CustomID] {
					errs.add(cp("custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
				}
				seen[c.CustomID] = true
			}
		}
	}
}

func validateCustomID(id string, path func(...string) []string, errs formErrors) {
	switch n := utf8.RuneCountInString(id); {
	case n == 0:
		errs.add(path("custom_id"), codeRequired, msgRequired)
	case n > maxCustomID:
		errs.add(path("custom_id"), "BASE_TYPE_MAX_LENGTH", tooLong(maxCustomID))
	}
}

func validateButton(c component, path func(...string) []string, errs formErrors) {
	if utf8.RuneCountInString(c.Label) > maxButtonLabel {
		errs.add(path("label"), "BASE_TYPE_MAX_LENGTH", tooLong(maxButtonLabel))
	}
	switch discordgo.ButtonStyle(c.Style) {
	case discordgo.PrimaryButton, discordgo.SecondaryButton, discordgo.SuccessButton, discordgo.DangerButton:
		validateCustomID(c.CustomID, path, errs)
	case discordgo.LinkButton:
		if c.URL == "" {
			errs.add(path("url"), codeRequired, msgRequired)
		}
	case discordgo.PremiumButton:
		if c.SKUID == "" {
			errs.add(path("sku_id"), codeRequired, msgRequired)
		}
	default:
		errs.add(path("style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}.")
	}
}

func validateSelect(c component, path func(...string) []string, errs formErrors) {
	validateCustomID(c.CustomID, path, errs)
	if utf8.RuneCountInString(c.Placeholder) > maxPlaceholder {
		errs.add(path("placeholder"), "BASE_TYPE_MAX_LENGTH", tooLong(maxPlaceholder))
	}
	if c.Type == discordgo.SelectMenuComponent {
		if n := len(c.Options); n == 0 || n > maxSelectOptions {
			errs.add(path("options"), "BASE_TYPE_BAD_LENGTH", between(maxSelectOptions))
		}
	}
}
