# Reference latent masks for AnoGen's stage-1 loss (bilinear resize, align_corners=False, then != 0).
# Run: /usr/bin/python3 tools/latent_mask_reference.py > tests/AnomalyEngine.Tests/Fixtures/embedding/latent_masks.json
import torch, json, torch.nn.functional as F
g = torch.Generator().manual_seed(3)
cases = []
for (h, w, oh, ow) in [(64, 64, 16, 16), (50, 37, 16, 16), (256, 256, 32, 32), (20, 20, 32, 32)]:
    m = torch.zeros(h, w)
    # a thin line, a small blob and a single pixel
    m[h // 3, : w // 2] = 1
    m[h // 2 : h // 2 + 3, w // 2 : w // 2 + 4] = 1
    m[h - 2, w - 3] = 1
    r = F.interpolate(m[None, None], size=(oh, ow), mode="bilinear", align_corners=False)[0, 0]
    cases.append({"h": h, "w": w, "oh": oh, "ow": ow,
                  "ones": [i for i, v in enumerate((r != 0).flatten().tolist()) if v]})
print(json.dumps(cases))
