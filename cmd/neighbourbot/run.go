package main

import (
	"context"
	"fmt"
	"io"
)

// runBot links to WhatsApp and serves groups.
func runBot(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "neighbourbot: the WhatsApp runner is not wired yet")
	return exitError
}
