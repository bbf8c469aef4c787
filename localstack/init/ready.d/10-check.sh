#!/bin/bash
# LocalStack "ready" hook: fails loudly when Lambda cannot start containers, the
# most common reason a deployed function never answers. Everything else (tables,
# secret, API, functions) is created by `localstack/deploy.sh` through SAM.
if [ ! -S /var/run/docker.sock ]; then
  echo "serverless-shop: /var/run/docker.sock is not mounted; Lambda functions cannot run" >&2
  exit 1
fi
echo "serverless-shop: LocalStack is ready, run localstack/deploy.sh"
