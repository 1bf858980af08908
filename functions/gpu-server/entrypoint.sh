#!/bin/sh
# The GPU image's entry point: the server, with NVIDIA's CUDA forward compatibility switched on when it is needed.
# onnxruntime-node's CUDA provider is built for CUDA 13, which wants an R580 driver or newer; SageMaker's GPU AMIs
# ship older drivers. On data-center GPUs the image's compat driver libraries (CUDA_COMPAT_DIR) stand in for the
# host's libcuda when the host driver's major version is below theirs; with a new enough host driver, or no GPU,
# nothing changes. SageMaker's "-1" AMIs leave this choice to the container (their CUDA-compat mounting is off).
set -eu
version_file="${NVIDIA_DRIVER_VERSION_FILE:-/proc/driver/nvidia/version}"
compat_dir="${CUDA_COMPAT_DIR:-/usr/local/cuda/compat}"
host_major=""
if [ -r "${version_file}" ]; then
  host_major=$(sed -n 's/.*Kernel Module[^0-9]*\([0-9][0-9]*\)\..*/\1/p' "${version_file}" | head -n 1)
fi
compat_major=""
for lib in "${compat_dir}"/libcuda.so.*.*; do
  [ -e "${lib}" ] || continue
  compat_major=$(basename "${lib}" | sed -n 's/^libcuda\.so\.\([0-9][0-9]*\)\..*/\1/p')
  break
done
if [ -n "${host_major}" ] && [ -n "${compat_major}" ] && [ "${host_major}" -lt "${compat_major}" ]; then
  echo "gpu-server: host driver R${host_major} is older than CUDA's R${compat_major}: using the forward-compatibility libraries in ${compat_dir}" >&2
  export LD_LIBRARY_PATH="${compat_dir}${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}"
fi
exec node /opt/app/functions/gpu-server/index.mjs "$@"
