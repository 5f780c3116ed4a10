# Apache Kafka broker (KRaft, combined broker+controller) from its Maven Central jars.
# shellcheck shell=bash
#
# Install: resolve org.apache.kafka:kafka_2.13 + kafka-tools + one SLF4J binding (log4j2) with the
# pom in infra/local/kafka/ into $HG_CACHE_DIR/kafka/<version>/lib, and compile the readiness probe
# (infra/local/kafka/HgKafkaReady.java) next to it. Start: render server.properties from the
# template, format the storage once (fixed cluster id, static quorum), run kafka.Kafka.
# See docs/local-servers/kafka.md.

HG_KAFKA_VERSION="${HG_KAFKA_VERSION:-4.1.2}"
# Fixed KRaft cluster id (base64url of the 16 bytes "homegraph-local1"); every node of a cluster
# must be formatted with the same id.
HG_KAFKA_CLUSTER_ID="${HG_KAFKA_CLUSTER_ID:-aG9tZWdyYXBoLWxvY2FsMQ}"
HG_KAFKA_HEAP_OPTS="${HG_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
HG_KAFKA_JAVA="${HG_KAFKA_JAVA:-java}"

_kafka_src() { printf '%s/infra/local/kafka' "$HG_REPO_ROOT"; }
_kafka_home() { printf '%s/kafka/%s' "$HG_CACHE_DIR" "$HG_KAFKA_VERSION"; }
_kafka_sha() { sha256sum "$1" | cut -c1-16; }
# The probe's folder is named after its source's hash, so an edited probe is recompiled.
_kafka_probe_dir() { printf '%s/probe-%s' "$(_kafka_home)" "$(_kafka_sha "$(_kafka_src)/HgKafkaReady.java")"; }
_kafka_advertised_host() {
  case "$HG_BIND_HOST" in 0.0.0.0|::|'[::]') printf '127.0.0.1' ;; *) printf '%s' "$HG_BIND_HOST" ;; esac
}

kafka_install() {
  local home lib stamp tmp probe lock
  home="$(_kafka_home)"; lib="$home/lib"
  stamp="$HG_KAFKA_VERSION $(_kafka_sha "$(_kafka_src)/pom.xml")"
  command -v mvn >/dev/null || hg_apt_install maven
  command -v javac >/dev/null || hg_apt_install openjdk-17-jdk-headless
  mkdir -p "$home"
  # One install at a time per cache (parallel test runs share it); leftovers of a killed run go.
  exec {lock}>"$home/.install.lock"
  flock "$lock"
  rm -rf "$home"/lib.tmp.* "$home"/probe.tmp.*

  # Jars: resolved into a temp folder and moved into place, so a broken run leaves no half lib/.
  if [[ "$(cat "$lib/.hg-stamp" 2>/dev/null)" != "$stamp" ]]; then
    hg_log "kafka: resolving Kafka $HG_KAFKA_VERSION jars"
    tmp="$(mktemp -d "$home/lib.tmp.XXXXXX")"
    if ! (cd "$(_kafka_src)" && mvn -B -q -Dstyle.color=never dependency:copy-dependencies \
          -DincludeScope=runtime -Dkafka.version="$HG_KAFKA_VERSION" -DoutputDirectory="$tmp") \
          >"$home/mvn.log" 2>&1; then
      tail -n 30 "$home/mvn.log" >&2; rm -rf "$tmp"; hg_die "kafka: resolving jars failed (log: $home/mvn.log)"
    fi
    [[ -f "$tmp/kafka_2.13-$HG_KAFKA_VERSION.jar" ]] || { rm -rf "$tmp"; hg_die "kafka: kafka_2.13 jar missing"; }
    printf '%s\n' "$stamp" >"$tmp/.hg-stamp"
    rm -rf "$lib"; mv "$tmp" "$lib"
  fi

  probe="$(_kafka_probe_dir)"
  if [[ ! -f "$probe/HgKafkaReady.class" ]]; then
    hg_log "kafka: compiling the readiness probe"
    tmp="$(mktemp -d "$home/probe.tmp.XXXXXX")"
    javac -nowarn -d "$tmp" -cp "$lib/*" "$(_kafka_src)/HgKafkaReady.java" >&2 \
      || { rm -rf "$tmp"; hg_die "kafka: compiling the probe failed"; }
    rm -rf "$probe"; mv "$tmp" "$probe"
  fi
  exec {lock}>&-
}

# _kafka_render OUT NODE_ID BROKER_PORT CONTROLLER_PORT QUORUM_VOTERS LOG_DIR RF MIN_ISR
# Fills the {{NAME}} placeholders of server.properties.template. Kept general so a 3-node cluster
# on one machine can be rendered from the same template.
_kafka_render() {
  local out="$1" line k v
  local -A vals=(
    [NODE_ID]="$2" [BROKER_PORT]="$3" [CONTROLLER_PORT]="$4" [QUORUM_VOTERS]="$5" [LOG_DIR]="$6"
    [REPLICATION_FACTOR]="$7" [MIN_INSYNC]="$8" [INTERNAL_PARTITIONS]="${HG_KAFKA_INTERNAL_PARTITIONS:-3}"
    [BIND_HOST]="$HG_BIND_HOST" [ADVERTISED_HOST]="$(_kafka_advertised_host)"
  )
  : >"$out.tmp"
  while IFS= read -r line || [[ -n "$line" ]]; do
    for k in "${!vals[@]}"; do v="${vals[$k]}"; line="${line//"{{$k}}"/$v}"; done
    [[ "$line" == *"{{"* ]] && hg_die "kafka: unfilled placeholder in: $line"
    printf '%s\n' "$line" >>"$out.tmp"
  done <"$(_kafka_src)/server.properties.template"
  mv "$out.tmp" "$out"
}

# _kafka_java_cmd EXTRA_JVM_OPTS... -- MAIN ARGS...: sets KAFKA_CMD to the broker JVM's command line:
# Kafka's own default GC settings (kafka-run-class.sh), a modest heap, our log4j2 config.
_kafka_java_cmd() {
  local heap=() jvm=()
  read -r -a heap <<<"$HG_KAFKA_HEAP_OPTS"
  while (( $# )) && [[ "$1" != -- ]]; do jvm+=("$1"); shift; done
  shift
  KAFKA_CMD=("$HG_KAFKA_JAVA" "${heap[@]}" "${jvm[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$(_kafka_src)/log4j2.properties"
    -cp "$(_kafka_home)/lib/*" "$@")
}

kafka_start() {
  local dir="$HG_DATA_DIR/kafka" props logdir tmp KAFKA_CMD=()
  props="$dir/server.properties"; logdir="$dir/kraft"
  mkdir -p "$dir"
  _kafka_render "$props" 1 "$HG_KAFKA_PORT" "$HG_KAFKA_CONTROLLER_PORT" \
    "1@$(_kafka_advertised_host):$HG_KAFKA_CONTROLLER_PORT" "$logdir" 1 1

  # Format once. Formatting writes into a temp folder that is moved into place when complete, so
  # an interrupted format is redone rather than half-used.
  if [[ ! -f "$logdir/meta.properties" ]]; then
    hg_log "kafka: formatting storage (cluster id $HG_KAFKA_CLUSTER_ID)"
    rm -rf "$logdir"
    tmp="$dir/kraft.tmp"; rm -rf "$tmp"
    _kafka_render "$dir/format.properties" 1 "$HG_KAFKA_PORT" "$HG_KAFKA_CONTROLLER_PORT" \
      "1@$(_kafka_advertised_host):$HG_KAFKA_CONTROLLER_PORT" "$tmp" 1 1
    _kafka_java_cmd -Xmx256m -- kafka.tools.StorageTool format \
      --cluster-id "$HG_KAFKA_CLUSTER_ID" --config "$dir/format.properties"
    "${KAFKA_CMD[@]}" >>"$HG_LOG_DIR/kafka.log" 2>&1 || hg_die "kafka: storage format failed (see $HG_LOG_DIR/kafka.log)"
    mv "$tmp" "$logdir"; rm -f "$dir/format.properties"
  fi

  _kafka_java_cmd -- kafka.Kafka "$props"
  hg_spawn kafka "${KAFKA_CMD[@]}"
}

kafka_stop() {
  # SIGTERM makes the broker shut down cleanly (it flushes and closes its logs); kill after 60 s.
  hg_stop_pid kafka 60
}

kafka_ready() {
  # No process, no broker: fail at once (this is also what `status` and `up` ask first).
  hg_pid_alive kafka || return 1
  local probe lib
  probe="$(_kafka_probe_dir)"; lib="$(_kafka_home)/lib"
  [[ -f "$probe/HgKafkaReady.class" ]] || return 1
  # A JVM with only kafka-clients and slf4j-api (NOP logging) on its classpath, C1 only, small heap:
  # about 1 s per run on an idle machine. It does not pre-check the port: while the broker starts,
  # the admin client keeps reconnecting and waits up to 8 s for the answers, so during `up` one
  # probe usually spans the whole start and returns within ~0.1 s of the broker being ready,
  # instead of paying a JVM start for every poll.
  "$HG_KAFKA_JAVA" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m \
    -Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider \
    -cp "$probe:$lib/kafka-clients-$HG_KAFKA_VERSION.jar:$(printf '%s' "$lib"/slf4j-api-*.jar)" \
    HgKafkaReady "$(_kafka_advertised_host):$HG_KAFKA_PORT" "${HG_KAFKA_READY_WAIT_MS:-8000}" 1
}

kafka_env() {
  printf 'KAFKA_BROKERS=%s:%s\n' "$(_kafka_advertised_host)" "$HG_KAFKA_PORT"
}
