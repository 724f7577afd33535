# NATS with JetStream for the Weltgewebe platform: the outbox relay publishes every persisted event
# to the stream WELTGEWEBE_EVENTS (30 days, 100 GiB, 72 h duplicate window), the read-model
# projection and the live feeds consume it. One server here; see docs/deployment.md for a cluster
# of three. Validate with deploy/nomad/validate.
job "weltgewebe-nats" {
  datacenters = ["dc1"]
  type        = "service"

  group "nats" {
    count = 1

    network {
      port "client" {
        static = 4222
      }
      port "monitor" {
        static = 8222
      }
    }

    # JetStream's file store must outlive the allocation: a host volume on a disk with room for
    # the stream's 100 GiB (the server refuses the stream otherwise, and the node says so at start)
    volume "jetstream" {
      type      = "host"
      source    = "weltgewebe-jetstream"
      read_only = false
    }

    service {
      name     = "weltgewebe-nats"
      port     = "client"
      provider = "nomad"

      check {
        type     = "http"
        port     = "monitor"
        path     = "/healthz?js-enabled-only=true"
        interval = "10s"
        timeout  = "2s"
      }
    }

    # Debian's nats-server on the client hosts (the package this repository tests with)
    task "nats-server" {
      driver = "exec"

      config {
        command = "/usr/sbin/nats-server"
        args    = ["--config", "local/jetstream.conf"]
      }

      volume_mount {
        volume      = "jetstream"
        destination = "/data/jetstream"
      }

      # the project's server configuration (nats/jetstream.conf) with the store on the volume
      template {
        destination = "local/jetstream.conf"
        data        = <<-EOT
          port: 4222
          http_port: 8222
          jetstream {
            store_dir: "/data/jetstream"
            # the event stream reserves its max_bytes (100 GiB) against this account
            max_file_store: 200GB
            max_memory_store: 256MB
          }
        EOT
      }

      resources {
        cpu    = 1000
        memory = 1024
      }
    }
  }
}
