// Command discord-bot lets the people of a Discord server talk to charsim
// characters: slash commands and mentions, replies from any
// OpenAI-compatible chat endpoint, memory and story through the charsim MCP
// server. It needs DISCORD_TOKEN; see docs/discord.md for the rest.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/mojin/charsim/internal/bot"
	"github.com/mojin/charsim/internal/healthcheck"
	"github.com/mojin/charsim/internal/version"
)

func main() {
	err := run(os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	default:
		fmt.Fprintln(os.Stderr, "discord-bot:", err)
		os.Exit(1)
	}
}

func run(args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) error {
	cfg, err := bot.LoadConfig(args, lookup, stderr)
	if err != nil {
		return err
	}
	if cfg.ShowVersion {
		_, err := fmt.Fprintln(stdout, version.Version)
		return err
	}
	if cfg.HealthCheck {
		url, err := healthcheck.URL(cfg.HealthAddr, "/healthz")
		if err != nil {
			return fmt.Errorf("--healthcheck needs BOT_HEALTH_ADDR: %w", err)
		}
		return healthcheck.Probe(context.Background(), url)
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	bot.RouteDiscordgoLogs(logger, cfg.Token)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	b, err := bot.New(cfg, logger)
	if err != nil {
		return err
	}
	defer func() {
		if err := b.Close(); err != nil {
			logger.Warn("close", "error", err)
		}
	}()
	if cfg.Unregister {
		logger.Info("removing the slash commands", "version", version.Version)
		return b.Unregister(ctx)
	}
	logger.Info("starting the charsim Discord bot", "version", version.Version, "config", cfg)
	return b.Run(ctx)
}
