# Sourced by the GPU checks (pvr-webgpu.sh, mqnli-webgpu.sh) from the repository root on a bare device machine: the
# Vulkan loader (unless IIT_DEVICE_NO_GL=1 or the machine has one) and NVIDIA's ICD, then Node, dist/ and the
# production node_modules from .device/ (scripts/device/pack.sh) where they are not there yet.
if [ -z "${IIT_DEVICE_NO_GL:-}" ] && ! ldconfig -p | grep -q libvulkan.so.1; then
  for f in .device/gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES=$icd
if [ -f .device/node.xz ]; then
  mkdir -p /tmp/iit-device-node
  [ -x /tmp/iit-device-node/node ] || { xz -dc .device/node.xz > /tmp/iit-device-node/node && chmod +x /tmp/iit-device-node/node; }
  export PATH=/tmp/iit-device-node:$PATH
fi
[ -f dist/cli.js ] || xz -dc .device/dist.tar.xz | tar -xf -
[ -d node_modules/@tensorflow/tfjs-backend-webgpu ] || xz -dc .device/modules.tar.xz | tar -xf -
true
