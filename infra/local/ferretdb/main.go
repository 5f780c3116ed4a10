// ferretdb-local runs FerretDB (the MongoDB wire-protocol server) embedded, with its SQLite backend,
// for local development and tests. It is built by infra/local/services/ferretdb.sh.
//
//	ferretdb-local -listen 127.0.0.1:17017 -data /path/to/dir   serve until SIGTERM/SIGINT
//	ferretdb-local -ping 127.0.0.1:17017                        exit 0 if a MongoDB `ping` succeeds
//
// FerretDB's own command is not usable through `go install` (its published module lacks the generated
// build/version/version.txt and panics at start), but its embeddable package works.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func main() {
	listen := flag.String("listen", envOr("FERRETDB_LOCAL_LISTEN", "127.0.0.1:27017"), "TCP address to listen on (env FERRETDB_LOCAL_LISTEN)")
	data := flag.String("data", envOr("FERRETDB_LOCAL_DATA", ""), "directory for the SQLite databases (env FERRETDB_LOCAL_DATA)")
	logLevel := flag.String("log-level", envOr("FERRETDB_LOCAL_LOG_LEVEL", "info"), "debug, info, warn or error (env FERRETDB_LOCAL_LOG_LEVEL)")
	ping := flag.String("ping", "", "instead of serving, send a MongoDB ping to this host:port and exit 0 on success")
	timeout := flag.Duration("timeout", 3*time.Second, "timeout for -ping")
	flag.Parse()

	if *ping != "" {
		if err := doPing(*ping, *timeout); err != nil {
			fmt.Fprintln(os.Stderr, "ping failed:", err)
			os.Exit(1)
		}
		return
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintln(os.Stderr, "bad -log-level:", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)

	if err := serve(*listen, *data, logger); err != nil {
		logger.Error("ferretdb-local failed", "error", err)
		os.Exit(1)
	}
}

func serve(listen, data string, logger *slog.Logger) error {
	if data == "" {
		return errors.New("-data is required")
	}
	dir, err := filepath.Abs(data)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + strings.TrimSuffix(dir, "/") + "/",
	})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	// Printed whatever the log level, so the log always shows what was started.
	fmt.Fprintf(os.Stderr, "ferretdb-local: FerretDB (SQLite backend) listening on %s, data in %s\n", listen, dir)
	// Run returns once ctx is canceled and listeners, connections and the SQLite backend are closed.
	if err := f.Run(ctx); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "ferretdb-local: stopped")
	return nil
}

func doPing(addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	opts := options.Client().
		ApplyURI("mongodb://" + addr + "/?directConnection=true").
		SetServerSelectionTimeout(timeout).
		SetConnectTimeout(timeout)
	client, err := mongo.Connect(ctx, opts)
	if err != nil {
		return err
	}
	// No client.Disconnect: it would send `endSessions`, which FerretDB v1 does not implement and logs
	// as a warning on every readiness poll. The process exits right after and the socket closes.

	var res bson.M
	if err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Decode(&res); err != nil {
		return err
	}
	if ok, _ := res["ok"].(float64); ok != 1 {
		return fmt.Errorf("unexpected ping reply: %v", res)
	}
	return nil
}
