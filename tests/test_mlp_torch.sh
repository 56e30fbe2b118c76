#!/bin/sh
# test_mlp_torch.sh - the MLP hypergradient checked against an independent
# implementation in PyTorch (bench/torch_mlp.py --check): small MLPs on 40
# training and 30 validation Fashion-MNIST images, tanh and softplus,
# per-weight and global decay, Neumann and CG; losses to 1e-10 and
# hypergradients to 1e-8 relative at every outer step of
# `ihgtui --batch --vectors`.  Skipped (77) without python3-torch or without
# the data set (Debian package dataset-fashion-mnist).
top_srcdir=${top_srcdir:-.}
IHGTUI=${IHGTUI:-./ihgtui}
IMAGES=${IHGTUI_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
[ -x "$IHGTUI" ] || { echo "no binary $IHGTUI"; exit 77; }
py=
for p in $PYTHON3 python3 /usr/bin/python3; do
    if "$p" -c 'import torch' >/dev/null 2>&1; then py=$p; break; fi
done
[ -n "$py" ] || { echo "PyTorch not available: skipped"; exit 77; }
exec "$py" "$top_srcdir/bench/torch_mlp.py" --check "$IHGTUI" --images "$IMAGES"
