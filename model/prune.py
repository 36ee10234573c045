"""Structured pruning of a real open_clip CLIP: layers, attention heads, FFN width, embedding width.

open_clip's blocks use ``nn.MultiheadAttention``, which cannot hold fewer heads than
``width / head_dim``. :class:`PrunableAttention` replaces it with separate Q, K, V and output
projections of ``heads * head_dim`` features (the same computation; a test checks equal outputs).

Importance scores (highest kept):

* heads and FFN neurons: L1 norm of the weights that read and write the unit (magnitude
  criterion of Li et al., "Pruning Filters for Efficient ConvNets", ICLR 2017; applied to heads
  as in Michel et al., NeurIPS 2019);
* embedding channels: L1 norm of every weight that reads or writes the channel in the tower;
* layers: Block Influence on calibration data, ``1 - cos(x_in, x_out)`` averaged over tokens
  (Men et al., "ShortGPT", 2024): the blocks that change the residual stream least go first.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from carbonflow.flows.errors import ConfigError
from carbonflow.model.config import ClipConfig, TowerConfig

__all__ = ["PrunableAttention", "make_prunable", "prune_clip", "clip_config_of"]


class PrunableAttention(nn.Module):
    """Multi-head self-attention with ``heads`` heads of ``head_dim`` on a ``width`` stream."""

    def __init__(self, width: int, heads: int, head_dim: int):
        super().__init__()
        self.heads, self.head_dim = heads, head_dim
        inner = heads * head_dim
        self.q = nn.Linear(width, inner)
        self.k = nn.Linear(width, inner)
        self.v = nn.Linear(width, inner)
        self.out = nn.Linear(inner, width)

    @classmethod
    def from_mha(cls, mha: nn.MultiheadAttention) -> PrunableAttention:
        if not mha.batch_first or mha._qkv_same_embed_dim is False:
            raise ConfigError("only batch-first self-attention with equal q/k/v widths is supported")
        width, heads = mha.embed_dim, mha.num_heads
        new = cls(width, heads, width // heads)
        w, b = mha.in_proj_weight.detach(), mha.in_proj_bias.detach()
        with torch.no_grad():
            for i, lin in enumerate((new.q, new.k, new.v)):
                lin.weight.copy_(w[i * width:(i + 1) * width])
                lin.bias.copy_(b[i * width:(i + 1) * width])
            new.out.weight.copy_(mha.out_proj.weight)
            new.out.bias.copy_(mha.out_proj.bias)
        return new.to(w.dtype)

    def forward(self, q_x, k_x=None, v_x=None, need_weights=False, attn_mask=None):
        k_x = q_x if k_x is None else k_x
        v_x = q_x if v_x is None else v_x
        n, lq, _ = q_x.shape

        def split(t):
            return t.view(n, t.shape[1], self.heads, self.head_dim).transpose(1, 2)

        q, k, v = split(self.q(q_x)), split(self.k(k_x)), split(self.v(v_x))
        ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        ctx = ctx.transpose(1, 2).reshape(n, lq, self.heads * self.head_dim)
        return self.out(ctx), None

    def head_importance(self) -> torch.Tensor:
        """L1 norm per head of its Q, K, V rows and output-projection columns."""
        h, d = self.heads, self.head_dim
        s = sum(lin.weight.abs().view(h, d, -1).sum(dim=(1, 2)) for lin in (self.q, self.k, self.v))
        return s + self.out.weight.abs().view(-1, h, d).sum(dim=(0, 2))

    def keep_heads(self, idx: torch.Tensor) -> None:
        d = self.head_dim
        cols = torch.cat([torch.arange(i * d, (i + 1) * d) for i in idx.tolist()])
        for lin in (self.q, self.k, self.v):
            _slice_linear(lin, rows=cols)
        _slice_linear(self.out, cols=cols)
        self.heads = len(idx)


def _slice_linear(lin: nn.Linear, rows=None, cols=None) -> None:
    with torch.no_grad():
        w = lin.weight
        if rows is not None:
            w = w[rows]
            if lin.bias is not None:
                lin.bias = nn.Parameter(lin.bias[rows].clone())
            lin.out_features = len(rows)
        if cols is not None:
            w = w[:, cols]
            lin.in_features = len(cols)
        lin.weight = nn.Parameter(w.clone())


def _slice_ln(ln: nn.LayerNorm, idx: torch.Tensor) -> nn.LayerNorm:
    new = copy.copy(ln)
    new.normalized_shape = (len(idx),)
    new.weight = nn.Parameter(ln.weight.detach()[idx].clone())
    new.bias = nn.Parameter(ln.bias.detach()[idx].clone())
    return new


def make_prunable(model: nn.Module) -> nn.Module:
    """Replace every ``nn.MultiheadAttention`` of the CLIP's blocks by :class:`PrunableAttention`."""
    for tower in (model.visual.transformer, model.transformer):
        for blk in tower.resblocks:
            if isinstance(blk.attn, nn.MultiheadAttention):
                blk.attn = PrunableAttention.from_mha(blk.attn)
    return model


def _tower_parts(model: nn.Module, which: str):
    if which == "vision":
        return model.visual.transformer
    return model.transformer


@torch.no_grad()
def _block_influence(model, which: str, calib) -> torch.Tensor:
    """ShortGPT Block Influence of each block on calibration inputs (images or token ids)."""
    tower = _tower_parts(model, which)
    scores = torch.zeros(len(tower.resblocks))
    hooks = []

    def make_hook(i):
        def hook(mod, args, out):
            x_in = args[0]
            cos = F.cosine_similarity(x_in.flatten(0, -2), out.flatten(0, -2), dim=-1)
            scores[i] += (1 - cos).mean().item()
        return hook

    for i, blk in enumerate(tower.resblocks):
        hooks.append(blk.register_forward_hook(make_hook(i)))
    try:
        if which == "vision":
            model.encode_image(calib)
        else:
            model.encode_text(calib)
    finally:
        for h in hooks:
            h.remove()
    return scores


def _channel_importance(model, which: str) -> torch.Tensor:
    tower = _tower_parts(model, which)
    imp = 0
    for blk in tower.resblocks:
        a = blk.attn
        imp = imp + sum(lin.weight.abs().sum(0) for lin in (a.q, a.k, a.v))
        imp = imp + a.out.weight.abs().sum(1)
        imp = imp + blk.mlp.c_fc.weight.abs().sum(0) + blk.mlp.c_proj.weight.abs().sum(1)
    return imp


def _top(scores: torch.Tensor, k: int) -> torch.Tensor:
    return torch.sort(torch.topk(scores, k).indices).values


def _prune_width(model, which: str, keep: torch.Tensor) -> None:
    tower = _tower_parts(model, which)
    for blk in tower.resblocks:
        blk.ln_1, blk.ln_2 = _slice_ln(blk.ln_1, keep), _slice_ln(blk.ln_2, keep)
        for lin in (blk.attn.q, blk.attn.k, blk.attn.v, blk.mlp.c_fc):
            _slice_linear(lin, cols=keep)
        _slice_linear(blk.attn.out, rows=keep)
        _slice_linear(blk.mlp.c_proj, rows=keep)
    tower.width = len(keep)
    with torch.no_grad():
        if which == "vision":
            vis = model.visual
            conv = vis.conv1
            conv.weight = nn.Parameter(conv.weight.detach()[keep].clone())
            conv.out_channels = len(keep)
            vis.class_embedding = nn.Parameter(vis.class_embedding.detach()[keep].clone())
            vis.positional_embedding = nn.Parameter(
                vis.positional_embedding.detach()[:, keep].clone())
            vis.ln_pre = _slice_ln(vis.ln_pre, keep)
            vis.ln_post = _slice_ln(vis.ln_post, keep)
            vis.proj = nn.Parameter(vis.proj.detach()[keep].clone())
        else:
            emb = model.token_embedding
            emb.weight = nn.Parameter(emb.weight.detach()[:, keep].clone())
            emb.embedding_dim = len(keep)
            model.positional_embedding = nn.Parameter(
                model.positional_embedding.detach()[:, keep].clone())
            model.ln_final = _slice_ln(model.ln_final, keep)
            model.text_projection = nn.Parameter(model.text_projection.detach()[keep].clone())


def prune_clip(model: nn.Module, target: ClipConfig, *, calib_images=None,
               calib_text=None) -> nn.Module:
    """A pruned deep copy of ``model`` with the dimensions of ``target``.

    ``calib_images``/``calib_text`` rank layers by Block Influence; without them the first blocks
    are kept (order of depth).
    """
    base = clip_config_of(model)
    for which in ("vision", "text"):
        b, t = getattr(base, which), getattr(target, which)
        for f in ("layers", "heads", "mlp_width", "width"):
            if getattr(t, f) > getattr(b, f):
                raise ConfigError(f"{which}.{f}={getattr(t, f)} exceeds the model's "
                                  f"{getattr(b, f)}: pruning cannot grow a model")
        if t.head_dim != b.head_dim:
            raise ConfigError(f"{which}.head_dim must stay {b.head_dim}, got {t.head_dim}")
    m = make_prunable(copy.deepcopy(model))
    m.eval()
    for which, calib in (("vision", calib_images), ("text", calib_text)):
        t = getattr(target, which)
        tower = _tower_parts(m, which)
        n = len(tower.resblocks)
        if t.layers < n:
            score = _block_influence(m, which, calib) if calib is not None else \
                -torch.arange(n, dtype=torch.float)
            keep = _top(score, t.layers).tolist()
            tower.resblocks = nn.ModuleList([tower.resblocks[i] for i in keep])
            tower.layers = t.layers
        for blk in tower.resblocks:
            if t.heads < blk.attn.heads:
                blk.attn.keep_heads(_top(blk.attn.head_importance(), t.heads))
            fc = blk.mlp.c_fc
            if t.mlp_width < fc.out_features:
                imp = fc.weight.abs().sum(1) + blk.mlp.c_proj.weight.abs().sum(0)
                keep = _top(imp, t.mlp_width)
                _slice_linear(fc, rows=keep)
                _slice_linear(blk.mlp.c_proj, cols=keep)
        if t.width < tower.width:
            _prune_width(m, which, _top(_channel_importance(m, which), t.width))
    return m


def clip_config_of(model: nn.Module, name: str = "model") -> ClipConfig:
    """Read the dimensions of an open_clip CLIP (original or pruned) as a :class:`ClipConfig`."""
    def tower(tr, seq_len, **extra) -> TowerConfig:
        blk = tr.resblocks[0]
        a = blk.attn
        if isinstance(a, nn.MultiheadAttention):
            heads, hd = a.num_heads, a.embed_dim // a.num_heads
        else:
            heads, hd = a.heads, a.head_dim
        return TowerConfig(layers=len(tr.resblocks), width=blk.ln_1.weight.shape[0], heads=heads,
                           head_dim=hd, mlp_width=blk.mlp.c_fc.out_features, seq_len=seq_len,
                           **extra)

    vis = model.visual
    p = vis.conv1.kernel_size[0]
    img = vis.image_size[0] if isinstance(vis.image_size, (tuple, list)) else vis.image_size
    v = tower(vis.transformer, (img // p) ** 2 + 1, patch_size=p, image_size=img)
    t = tower(model.transformer, model.positional_embedding.shape[0],
              vocab_size=model.token_embedding.num_embeddings)
    return ClipConfig(name=name, vision=v, text=t, embed_dim=model.text_projection.shape[1])


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


