package bot

// commandHandlers maps every command path of commandDefinitions to its
// handler.
func (b *Bot) commandHandlers() map[string]handler {
	return map[string]handler{
		cmdCharacter + " create": {run: b.characterCreate},
		cmdCharacter + " list":   {ephemeral: true, run: b.characterList},
		cmdCharacter + " info":   {ephemeral: true, run: b.characterInfo},
		cmdCharacter + " use":    {run: b.characterUse},
		cmdCharacter + " join":   {run: b.characterJoin},
		cmdCharacter + " leave":  {run: b.characterLeave},
		cmdCharacter + " import": {run: b.characterImport},
		cmdTalk:                  {run: b.talk},
		cmdRemember:              {ephemeral: true, run: b.remember},
		cmdRecall:                {ephemeral: true, run: b.recall},
		cmdTimeline + " show":    {ephemeral: true, run: b.timelineShow},
		cmdTimeline + " add":     {run: b.timelineAdd},
		cmdRelationship:          {ephemeral: true, run: b.relationship},
		cmdForgetMe:              {ephemeral: true, immediate: true, run: b.forgetMe},
		cmdStatus:                {ephemeral: true, run: b.status},
		cmdPersona + " set":      {ephemeral: true, run: b.personaSet},
		cmdPersona + " show":     {ephemeral: true, run: b.personaShow},
		cmdPersona + " clear":    {ephemeral: true, run: b.personaClear},
	}
}
