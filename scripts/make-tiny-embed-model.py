#!/usr/bin/python3
"""Builds the tiny embedding model the tests use (tests/fixtures/embed-model/comanda/tiny-bert).

A BERT-shaped ONNX graph with random weights (seeded, so the fixture is reproducible): word and
token-type embeddings, layer norm and one dense layer, and a WordPiece tokenizer whose vocabulary
is the words of the demo restaurant. Its vectors mean little, but they are real vectors from a
real model run by @huggingface/transformers: enough to test the embedding path end to end.
Needs Debian's python3-onnx (run with /usr/bin/python3). Usage: make-tiny-embed-model.py [OUT_DIR]
"""
import json, os, re, sys, unicodedata
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'tests', 'fixtures', 'embed-model')
MODEL_DIR = os.path.join(OUT, 'comanda', 'tiny-bert')
HIDDEN = 32

def fold(text):
    return ''.join(c for c in unicodedata.normalize('NFD', text.lower()) if unicodedata.category(c) != 'Mn')

demo = os.path.join(ROOT, 'shared', 'schema', 'demo')
texts = [open(os.path.join(demo, 'seed.json'), encoding='utf-8').read()]
for name in sorted(os.listdir(os.path.join(demo, 'knowledge'))):
    texts.append(open(os.path.join(demo, 'knowledge', name), encoding='utf-8').read())
extra = 'what is does do have has contain contains gluten free dairy nuts vegan vegetarian spicy light dessert wine price allergy traces celiac'
words = sorted({w for t in texts + [extra] for w in re.findall(r'[a-z0-9]+', fold(t)) if 1 < len(w) < 20})
letters = [chr(c) for c in range(ord('a'), ord('z') + 1)] + [str(d) for d in range(10)]
specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
vocab_list = specials + letters + ['##' + c for c in letters] + list('.,;:!?¿¡()-"\'$%/') + words
vocab = {tok: i for i, tok in enumerate(dict.fromkeys(vocab_list))}

rng = np.random.default_rng(20261123)
word_emb = rng.normal(0, 1, (len(vocab), HIDDEN)).astype(np.float32)
word_emb[0] = 0
type_emb = rng.normal(0, 0.02, (2, HIDDEN)).astype(np.float32)
dense_w = rng.normal(0, 0.3, (HIDDEN, HIDDEN)).astype(np.float32)
dense_b = np.zeros(HIDDEN, dtype=np.float32)

inits = [
    numpy_helper.from_array(word_emb, 'word_embeddings'),
    numpy_helper.from_array(type_emb, 'token_type_embeddings'),
    numpy_helper.from_array(np.ones(HIDDEN, dtype=np.float32), 'ln_gamma'),
    numpy_helper.from_array(np.zeros(HIDDEN, dtype=np.float32), 'ln_beta'),
    numpy_helper.from_array(dense_w, 'dense_w'),
    numpy_helper.from_array(dense_b, 'dense_b'),
]
nodes = [
    helper.make_node('Gather', ['word_embeddings', 'input_ids'], ['words']),
    helper.make_node('Gather', ['token_type_embeddings', 'token_type_ids'], ['types']),
    helper.make_node('Add', ['words', 'types'], ['embedded']),
    helper.make_node('LayerNormalization', ['embedded', 'ln_gamma', 'ln_beta'], ['normed'], axis=-1, epsilon=1e-12),
    helper.make_node('MatMul', ['normed', 'dense_w'], ['projected']),
    helper.make_node('Add', ['projected', 'dense_b'], ['biased']),
    helper.make_node('Tanh', ['biased'], ['activated']),
    helper.make_node('Add', ['normed', 'activated'], ['last_hidden_state']),
]
ids = lambda name: helper.make_tensor_value_info(name, TensorProto.INT64, ['batch_size', 'sequence_length'])
graph = helper.make_graph(
    nodes, 'tiny_bert', [ids('input_ids'), ids('attention_mask'), ids('token_type_ids')],
    [helper.make_tensor_value_info('last_hidden_state', TensorProto.FLOAT, ['batch_size', 'sequence_length', HIDDEN])],
    inits,
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)], producer_name='comanda-tiny-bert')
model.ir_version = 8
onnx.checker.check_model(model)

os.makedirs(os.path.join(MODEL_DIR, 'onnx'), exist_ok=True)
onnx.save(model, os.path.join(MODEL_DIR, 'onnx', 'model.onnx'))
special = lambda i, t: {'id': i, 'content': t, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False, 'special': True}
tokenizer = {
    'version': '1.0',
    'truncation': {'direction': 'Right', 'max_length': 128, 'strategy': 'LongestFirst', 'stride': 0},
    'padding': None,
    'added_tokens': [special(vocab[t], t) for t in specials],
    'normalizer': {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True, 'strip_accents': True, 'lowercase': True},
    'pre_tokenizer': {'type': 'BertPreTokenizer'},
    'post_processor': {
        'type': 'TemplateProcessing',
        'single': [{'SpecialToken': {'id': '[CLS]', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}, {'SpecialToken': {'id': '[SEP]', 'type_id': 0}}],
        'pair': [{'SpecialToken': {'id': '[CLS]', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}, {'SpecialToken': {'id': '[SEP]', 'type_id': 0}},
                 {'Sequence': {'id': 'B', 'type_id': 1}}, {'SpecialToken': {'id': '[SEP]', 'type_id': 1}}],
        'special_tokens': {t: {'id': t, 'ids': [vocab[t]], 'tokens': [t]} for t in ['[CLS]', '[SEP]']},
    },
    'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': True},
    'model': {'type': 'WordPiece', 'unk_token': '[UNK]', 'continuing_subword_prefix': '##', 'max_input_chars_per_word': 100, 'vocab': vocab},
}
files = {
    'tokenizer.json': tokenizer,
    'tokenizer_config.json': {'tokenizer_class': 'BertTokenizer', 'do_lower_case': True, 'model_max_length': 128,
                              'cls_token': '[CLS]', 'sep_token': '[SEP]', 'pad_token': '[PAD]', 'unk_token': '[UNK]', 'mask_token': '[MASK]'},
    'config.json': {'model_type': 'bert', 'architectures': ['BertModel'], 'hidden_size': HIDDEN, 'num_attention_heads': 1,
                    'num_hidden_layers': 1, 'intermediate_size': HIDDEN, 'vocab_size': len(vocab), 'max_position_embeddings': 128,
                    'type_vocab_size': 2, 'pad_token_id': 0},
}
for name, content in files.items():
    with open(os.path.join(MODEL_DIR, name), 'w', encoding='utf-8') as f:
        json.dump(content, f, ensure_ascii=False, sort_keys=True)
        f.write('\n')
print(f'{MODEL_DIR}: {len(vocab)} tokens, {HIDDEN} dims')
