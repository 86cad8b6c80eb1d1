#!/usr/bin/env python3
"""Builds the r4 blind batch files from catalog indices (so titles are copied exactly)."""
import json

C = json.load(open('/tmp/blindwork/catalog.json'))
T = lambda i: C[i]['title']
OUT = '/tmp/blindwork/r4/'

Q = []   # question records
R = []   # rephrasings
N = []   # judging notes
TERMS = {}


def add(qid, qtype, question, gold, acc, ref, kf, reph=None, traps=None, why=None, terms=None):
    Q.append({"id": qid, "type": qtype, "question": question,
              "gold_titles": [T(i) for i in gold],
              "acceptable_titles": [T(i) for i in acc],
              "reference_answer": ref, "key_facts": kf})
    if reph is not None:
        R.append({"id": qid, "rephrasings": reph})
    if why is not None:
        N.append({"id": qid, "trap_titles": [T(i) for i in (traps or [])], "why": why})
    if terms is not None:
        TERMS[qid] = terms


# ---------------------------------------------------------------- TOPIC
add("blind-r4-topic-01", "topic",
    "Which papers solve a maximum-clique problem, either as their main goal or as a step inside a larger pipeline?",
    [40, 61], [],
    "Two papers: 'Efficient Maximum Fair Clique Search over Large Networks' searches for the maximum relative fair clique in large attributed graphs using colorful-support graph reductions, attribute-aware upper bounds and branch-and-bound; 'G3Reg' solves multiple maximum cliques (MAC) on each level of a pyramid compatibility graph to generate transformation candidates for global LiDAR point-cloud registration.",
    ["maximum relative fair clique", "maximum cliques (MAC)"],
    reph=["papers solving maximum clique problems (as the goal or as a subroutine)",
          "I'm benchmarking exact clique solvers and want to know where the max-clique problem shows up in this collection, whether the paper is about clique search itself or just calls a clique solver as one step. Which papers are these?",
          "Where in the collection does finding the largest fully connected vertex subset appear, either as the research problem itself or as a component of another method?"],
    traps=[2, 84, 12],
    why="Traps work on graphs but never search for cliques: subgraph GNN expressiveness (SWL hierarchy), GNN reweighting for OOD generalization, and causal-graph learning for bandits. G3Reg is gold even though registration is its goal, because it explicitly solves maximum cliques.",
    terms=["clique", "cohesive subgraph", "complete subgraph", "dense subgraph", "compatibility graph"])

add("blind-r4-topic-02", "topic",
    "What work uses randomized sketching or sampling of rows/columns to approximate large matrices or the linear systems built from them?",
    [143, 23, 41], [5],
    "Three papers: 'Sharper Bounds for ell_p Sensitivity Sampling' gives improved sample bounds for sensitivity (and root leverage score) sampling for ell_p subspace embeddings; 'Constrained Optimization via Exact Augmented Lagrangian and Randomized Iterative Sketching' solves the Lagrangian Newton system inexactly with a randomized iterative sketching solver; 'Efficient Nearest Neighbor Search for Cross-Encoder Models using Matrix Factorization' uses CUR decomposition to approximate all pairwise cross-encoder scores from a small subset of rows and columns.",
    ["sensitivity sampling", "randomized iterative sketching", "CUR decomposition"],
    reph=["randomized sketching / row-column sampling for approximating large matrices",
          "I work on randomized numerical linear algebra and want to see where sketching or sampling a few rows and columns is used to approximate a big matrix or linear system. Which papers in the collection do this?",
          "Point me to work that approximates big matrices or matrix equations by random sketches or by keeping only a sampled subset of their rows and columns."],
    traps=[145, 3, 147],
    why="Sliced-Wasserstein control variates use Monte Carlo over random projection directions of measures, not matrix sketching; the deep conjugate direction method solves large linear systems with a CNN, not sketching; SOFT approximates the attention matrix by low-rank decomposition but the abstract does not describe random sampling. The sparse deep kernel machine (inducing points) is listed as acceptable because inducing-point approximations are a subset-based kernel-matrix approximation.",
    terms=["sketch", "sensitivity sampling", "leverage score", "cur decomposition", "subset of rows", "subspace embedding", "nystr", "inducing point", "low-rank matrix", "random projection", "randomized solver", "randomized (iterative|numerical|linear algebra|solver)", "matrix (approximation|decomposition|factorization)"])

add("blind-r4-topic-03", "topic",
    "Which papers build on bound propagation techniques from neural network verification, such as interval or linear bound propagation?",
    [174, 42], [],
    "Two papers: 'Understanding Certified Training with Interval Bound Propagation' studies why IBP-based certified training works, introducing a tightness metric and conditions for exact IBP bounds; 'Efficiently Computing Local Lipschitz Constants of Neural Networks via Bound Propagation' computes local Lipschitz constants by linear bound propagation on the Clarke-Jacobian backward graph, combined with branch-and-bound.",
    ["interval bound propagation", "linear bound propagation"],
    reph=["papers using interval / linear bound propagation (verification bounds)",
          "I'm implementing a verifier based on bound propagation (IBP, CROWN-style linear relaxations) and want papers in this collection that use or analyse these techniques. Which ones?",
          "Is there work in the collection that relies on propagating interval or linear bounds through a network, the way neural network verifiers do?"],
    traps=[109, 159, 98, 133],
    why="LipSDP extension bounds Lipschitz constants with semidefinite programming, not bound propagation; the randomized-smoothing papers (Lipschitz-variance-margin, dual randomized smoothing, rRCM) certify robustness by noise smoothing rather than propagating bounds.",
    terms=["bound propagation", "interval bound", r"\bibp\b", "verification", "certified training", "certif", "linear relaxation", "branch-and-bound"])

add("blind-r4-topic-04", "topic",
    "Which papers look at spending extra computation at inference time (search, repeated sampling, self-refinement) to improve what LLMs get right on reasoning or coding problems?",
    [1, 75, 96, 92], [38, 88],
    "Four papers: 'A Comparative Study on Reasoning Patterns of OpenAI's o1 Model' compares o1 with Test-time Compute methods (BoN, Step-wise BoN, Agent Workflow, Self-Refine); 'Inference Scaling FLaws' shows resampling until unit tests pass is capped by imperfect verifiers; 'Metastable Dynamics of Chain-of-Thought Reasoning' proves benefits of inference-time search that rewards sparse edges in a metastable Markov process; 'MC-NEST' adds Nash-equilibrium strategies to Monte Carlo tree self-refinement for math. Easy-to-Hard Generalization (re-ranking with easy-trained reward models) and the Bayesian-in-expectation paper (optimal CoT length) are borderline.",
    ["Test-time Compute", "inference scaling", "MC-NEST", "metastable Markov process"],
    reph=["test-time compute / inference scaling for LLM reasoning",
          "I'm studying whether best-of-N, tree search or self-refinement at inference time actually makes LLMs better reasoners, and I need the papers here that examine that. Which are they?",
          "What does the collection have on scaling up inference-time effort, like sampling many answers, searching or iteratively refining, to boost LLM reasoning or code generation?"],
    traps=[112, 179, 70],
    why="'On Designing Effective RL Reward at Training Time' deliberately studies reward models during RL training, not inference-time search; the reasoning-boundary framework quantifies CoT limits rather than extra inference compute; HyPoradise reranks/corrects ASR hypotheses with LLMs, which is not reasoning-time search.",
    terms=["test-time", "inference-time", "inference scaling", "resampl", "best-of", r"\bbon\b", "self-refine", "tree search", "search against", "re-rank", "rerank", "verifier", "monte carlo tree", "inference cost"])

add("blind-r4-topic-05", "topic",
    "Which papers address segmentation of medical images?",
    [49, 137], [],
    "Two papers: 'FairSeg' introduces Harvard-FairSeg, the first fairness dataset for medical segmentation, with a fair error-bound scaling approach on SAM; 'Segmentation with Noisy Labels via Spatially Correlated Distributions' models spatially correlated label errors (KMS-structured Gaussian) for segmentation tasks including lung segmentation.",
    ["Harvard-FairSeg", "lung segmentation"],
    reph=["medical image segmentation papers",
          "I build segmentation models for radiology scans and want everything in this collection that actually segments medical images (not just classifies them). Which papers?",
          "Is there work here on delineating organs or structures pixel by pixel in clinical images?"],
    traps=[157, 144, 22, 140, 118],
    why="The intrinsic-dataset-properties paper studies generalization of classifiers on medical vs natural images, not segmentation; SINet segments portraits; the gait-video dataset is clinical but video/action recognition; SePiCo is semantic segmentation of street scenes; OReX reconstructs 3D shapes from planar cross-sections (motivated by medical imaging) but does not segment images.",
    terms=["segment", "medical", "radiolog", "clinical", "lung", "organ"])

add("blind-r4-topic-06", "topic",
    "Any papers on energy-based models or Boltzmann machines?",
    [100, 177], [],
    "Two papers: 'Monotone deep Boltzmann machines' introduces the monotone DBM, which allows arbitrary intra-layer connections while guaranteeing a unique mean-field fixed point; 'Unifying Self-Supervised Clustering and Energy-Based Models' derives a lower bound that unifies cluster-based self-supervised learning with energy models (GEDI).",
    ["monotone DBM", "energy models"],
    reph=["energy-based models / Boltzmann machines",
          "I'm revisiting energy-based generative models and restricted or deep Boltzmann machines for a survey; which papers in this collection are about them?",
          "Does the collection contain work where the model itself is defined by an energy function, like Boltzmann machines or EBMs?"],
    traps=[44, 86, 71],
    why="'Energy-Consumption Advantage of Quantum Computation' is about physical energy use of computers; 'Linear statistics for Coulomb gases' is statistical physics of charged particles; integral RL concerns continuous-time control. None is an energy-based ML model.",
    terms=["energy", "boltzmann", "ebm", "gibbs", "partition function"])

add("blind-r4-topic-07", "topic",
    "Which papers try to make neural search over a text collection (finding the best-matching documents or nearest neighbours for a query) cheaper or more accurate?",
    [41, 163], [],
    "Two papers: 'Efficient Nearest Neighbor Search for Cross-Encoder Models using Matrix Factorization' does k-NN retrieval directly with a cross-encoder by approximating scores with CUR decomposition; 'Towards Competitive Search Relevance For Inference-Free Learned Sparse Retrievers' improves inference-free sparse retrievers with an IDF-aware FLOPS loss and heterogeneous ensemble distillation.",
    ["CUR decomposition", "IDF-aware FLOPS loss"],
    reph=["efficient / accurate neural text retrieval methods",
          "I maintain a document search engine and want to improve first-stage neural retrieval without blowing up latency. Which papers in the collection work on that?",
          "Is there research here on retrieving the most relevant passages or neighbours for a text query with neural models more efficiently?"],
    traps=[102, 108, 25, 94, 152],
    why="Sketch-based image retrieval and text-to-image person re-identification retrieve images, not text; Symile reports cross-modal retrieval as an evaluation of representation learning; MedExpQA and the Licensing Oracle merely use retrieval-augmented generation as a baseline/tool.",
    terms=["retriev", "search relevance", "nearest neighbor", "nearest-neighbor", "ranking", "rerank", "re-rank", "inverted", "bm25", "dual-encoder", "cross-encoder"])

add("blind-r4-topic-08", "topic",
    "List the papers that introduce tools for looking inside a trained network and reading out what its internal units or features are computing.",
    [6, 9], [181],
    "Two papers: 'A Tour of Convolutional Networks Guided by Linear Interpreters' introduces the LinearScope hooking layer, which replays a CNN as an input-dependent linear system; 'Adaptive Sparse Allocation with Mutual Choice & Feature Choice Sparse Autoencoders' proposes Feature Choice and Mutual Choice SAEs for extracting features from model internals. The in-context-learning paper that probes late layers for weight vectors is borderline.",
    ["LinearScope", "Mutual Choice SAEs"],
    reph=["tools for inspecting neural network internals (mechanistic interpretability)",
          "I do mechanistic interpretability and want methods that expose what hidden units or internal features of a trained model represent. Which papers in this collection propose such tools?",
          "Which work gives you a way to open up a trained model and see what its internal computations or features are doing?"],
    traps=[120, 166, 35, 113],
    why="Concept-based explanation and GNN fidelity papers evaluate existing explanation methods rather than introducing an internal inspection tool; Dissecting CLIP decomposes output embeddings to measure text-to-image diversity; the Rashomon-ratio paper concerns simple interpretable models, not looking inside networks.",
    terms=["interpret", "explain", "explanation", "internal", "probe", "probing", "sparse autoencoder", "feature extraction", "hidden unit", "internals", "mechanistic"])

add("blind-r4-topic-09", "topic",
    "Which papers apply machine learning to molecular or cellular biology data, such as proteins, DNA sequences or single cells?",
    [117, 63], [46, 77],
    "Two papers: 'Optimistic Games for Combinatorial Bayesian Optimization with Application to Protein Design' (GameOpt) searches protein configurations on four real protein datasets; 'Generative Distribution Embeddings' is applied to lineage-tracing cell populations, single-cell transcriptomes, DNA methylation, yeast promoters and viral protein sequences. Neural subset selection (compound selection for drug discovery) and model-collapse experiments on molecule conformation generation are borderline.",
    ["protein design", "single-cell transcriptomes"],
    reph=["ML for proteins, DNA or single-cell biology",
          "I'm a computational biologist looking for ML methods that were actually tested on biological sequences or cell data (proteins, genomics, single-cell). Which papers here qualify?",
          "Does the collection have work that uses learning methods on proteins, genomes or individual cells?"],
    traps=[72, 15, 25],
    why="The vector-field GP and chirp-localization papers use EEG brain recordings (neuroscience, not molecular biology); Symile's clinical dataset is chest X-rays, ECGs and lab measurements.",
    terms=["protein", r"\bcell", "dna", "genom", "molecul", "drug", "biolog", "transcript", "protein sequence", "dna sequence", "lineage"])

add("blind-r4-topic-10", "topic",
    "Which papers target autonomous driving, for example driving-scene datasets or forecasting what road users will do?",
    [135, 58], [61],
    "Two papers: 'ROVR-Open-Dataset' is a large-scale depth dataset for autonomous driving (200K frames over highway, rural and urban scenes); 'Forecasting Trajectory and Behavior of Road-Agents Using Spectral Clustering in Graph-LSTMs' predicts trajectories and over/under-speeding behavior of road-agents on Argoverse, Lyft, Apolloscape and NGSIM. G3Reg (LiDAR point-cloud registration) is borderline since it suits vehicles but does not name driving.",
    ["ROVR", "road-agents"],
    reph=["autonomous driving perception / prediction papers",
          "I'm on a self-driving team and want anything in this collection built for driving scenes, whether a dataset or a model predicting other traffic participants. Which papers?",
          "What has been done here specifically for self-driving cars?"],
    traps=[175, 119, 34],
    why="Hessian alignment for domain generalization only names autonomous vehicles as a motivating scenario; OV-MAP builds 3D maps for indoor mobile robots; RF fingerprinting is about wireless devices.",
    terms=["driving", "autonomous", "vehicle", "traffic", r"\broads?\b", "road-agent", "lidar", r"\bcars?\b", "pedestrian"])

add("blind-r4-topic-11", "topic",
    "Which papers work with random feature models or random-feature approximations?",
    [136, 101], [],
    "Two papers: 'Scalable Neural Network Kernels' introduces universal random features (URFs) to instantiate scalable neural network kernels that replace feedforward layers; 'More is Better in Modern Machine Learning' proves that in random feature (RF) regression more features, more data and near-zero training loss are optimal.",
    ["universal random features", "random feature (RF) regression"],
    reph=["random features / random feature regression",
          "I'm writing about random Fourier/random feature methods and need the papers in this collection that either use random features or analyse random-feature models. Which are they?",
          "Where does the collection use randomly drawn feature maps, either to approximate kernels or as a model to analyse?"],
    traps=[5, 147, 105],
    why="Deep kernel machines generalise kernel methods through a Bayesian representation-learning limit without random features; SOFT uses a Gaussian kernel with low-rank decomposition; the diffusion score-estimation paper uses neural tangent kernels, not random features.",
    terms=["random feature", "kernel", "random fourier", "neural tangent"])

add("blind-r4-topic-12", "topic",
    "Which papers use fine-grained or I/O complexity theory to establish how fast attention-related computations in transformers can possibly be carried out?",
    [158, 21], [],
    "Two papers: 'The I/O Complexity of Attention, or How Optimal is Flash Attention?' proves an I/O complexity lower bound matching FlashAttention for M >= d^2 and a better optimal algorithm for smaller caches; 'Computational Limits of Low-Rank Adaptation (LoRA) for Transformer-Based Models' uses fine-grained complexity under the Strong Exponential Time Hypothesis to show a norm threshold below which sub-quadratic LoRA gradient algorithms exist.",
    ["I/O complexity", "Strong Exponential Time Hypothesis"],
    reph=["complexity-theoretic limits of attention / transformer computations",
          "I'm writing a theory section on what is provably achievable for attention speed and need papers in this collection that prove complexity bounds (lower bounds, SETH-style hardness) for transformer computations. Which ones?",
          "Is there work here proving how efficient attention or transformer fine-tuning computations can or cannot be, from a complexity-theory standpoint?"],
    traps=[51, 147, 87, 171],
    why="Faster Neighborhood Attention, SOFT and LinFusion reduce attention cost with engineering or approximations but prove no complexity limits; the parity chain-of-thought paper proves learning-iteration hardness for training, not the complexity of computing attention.",
    terms=["complexity", "lower bound", "seth", "exponential time", "i/o", "quadratic", "flashattention"])

add("blind-r4-topic-13", "topic",
    "Which papers replace or rethink the final classification layer (the linear/softmax head) that sits on top of learned features?",
    [47, 172, 131], [],
    "Three papers: 'Equiangular Basis Vectors' replaces the k-way fully connected softmax layer with fixed, nearly orthogonal predefined classifier embeddings; 'Tuning Pre-trained Model via Moment Probing' replaces linear probing with a classifier on first- and second-order feature moments; 'Revisiting Discriminative vs. Generative Classifiers' argues for naive Bayes instead of logistic regression as the linear-evaluation head, proving it needs O(log n) vs O(n) samples.",
    ["Equiangular Basis Vectors", "Moment Probing", "naive Bayes"],
    reph=["alternatives to the standard linear / softmax classifier head",
          "I'm tuning only the classification head on a frozen backbone and want to see alternatives to a plain linear softmax layer or logistic-regression probe. Which papers here propose or analyse those?",
          "Is there work that changes how the last prediction layer of a classifier is built, instead of the usual fully connected softmax?"],
    traps=[28, 74, 78, 136],
    why="The cross-entropy paper analyses the loss (H-consistency), not the head's architecture; IncreLoRA and SNELLA are parameter-efficient fine-tuning of backbone weights; Scalable Neural Network Kernels replace feedforward layers in general rather than the classifier head.",
    terms=["classifier", "classification head", "linear probing", "fully connected", "softmax", "linear evaluation", "logistic regression"])

add("blind-r4-topic-14", "topic",
    "Which papers analyse or specifically handle the positional encodings used in transformer language models?",
    [54, 88], [],
    "Two papers: 'FireQ' handles quantization difficulties caused by rotary positional embeddings (RoPE) by combining pre-RoPE and post-RoPE scaling; 'LLMs are Bayesian, in Expectation, not in Realization' proves that positional encodings induce martingale violations of order Theta(log n / n) in in-context learning.",
    ["rotary positional embeddings", "positional encodings"],
    reph=["positional encodings / RoPE in transformer LMs",
          "I'm investigating how position encodings such as RoPE affect LLM behaviour and deployment, and need the papers in this collection that deal with them explicitly. Which?",
          "Where in the collection are transformer position embeddings themselves a subject of analysis or special treatment?"],
    traps=[72, 153],
    why="The implicit GP vector-field paper uses 'positional encoding' with connection-Laplacian eigenfunctions on manifolds, unrelated to transformers; Stuffed Mamba studies length extrapolation of RNNs, which have no positional encodings.",
    terms=["positional", r"\brope\b", "rotary", "position encoding", "position embedding", "length extrapolat"])

# ---------------------------------------------------------------- PARAPHRASE
add("blind-r4-para-01", "paraphrase",
    "Has anyone gotten a program that labels every pixel of street photos to keep working when it moves from computer-game images to real photos, or from daytime pictures to night-time ones?",
    [140], [],
    "Yes: 'SePiCo: Semantic-Guided Pixel Contrast for Domain Adaptive Semantic Segmentation' adapts a segmentation model trained on labeled source data to an unlabeled target domain using centroid-aware and distribution-aware pixel contrast, with gains on synthetic-to-real and daytime-to-nighttime adaptation.",
    ["SePiCo", "daytime-to-nighttime"],
    reph=["domain adaptive semantic segmentation, synthetic-to-real and day-to-night",
          "My street-scene segmentation model was trained on rendered game frames and breaks on real dashcam footage, especially at night. Is there a paper on adapting it using unlabeled real images?",
          "Is there work on transferring a per-pixel scene labeller from simulated or daytime imagery to real or night imagery without new labels?"],
    traps=[178, 175, 144],
    why="The domain-generalization papers (UDIM, Hessian alignment) never see the target domain and are not segmentation; SINet segments portraits with no domain shift.",
    terms=["domain adapt", "target domain", "synthetic-to-real", "night", "unlabeled target", "segmentation", "street", "cityscapes", "domain shift", "unseen domain"])

add("blind-r4-para-02", "paraphrase",
    "Is there a quick way to guess how good a neural network design will be before spending the time to train it?",
    [65], [],
    "Yes: 'GradSign: Model Performance Inference with Theoretical Insights' scores networks at random initialization from per-sample gradients, backed by a quantity Psi that upper-bounds training and population loss, and improves NAS algorithms on seven NAS benchmarks.",
    ["GradSign", "neural architecture search"],
    reph=["predicting network performance at initialization for NAS",
          "I'm running architecture search on a tight GPU budget and want to rank candidate networks without training each one. Is there a paper on that?",
          "Can the accuracy of an untrained network architecture be estimated up front, so you only train the promising ones?"],
    traps=[113, 93, 117],
    why="The Rashomon-ratio paper estimates whether a simple model exists for a dataset, not how a given architecture will perform; intrinsic-dimension measures problem difficulty by training in subspaces; GameOpt only mentions NAS as a possible Bayesian-optimization application.",
    terms=["architecture search", "performance inference", "at initialization", "without training", "before training", "predict.{0,30}performance", "nas"])

add("blind-r4-para-03", "paraphrase",
    "Can you tell ahead of time whether a simple, easy-to-explain model would be about as accurate as a complicated one for your data, before bothering to search for it?",
    [113], [],
    "Yes: 'On the Existence of Simpler Machine Learning Models' introduces the Rashomon ratio (volume of near-equally-accurate models over the hypothesis space) and argues that when several different methods perform similarly, a large Rashomon set likely contains a simple, accurate model.",
    ["Rashomon ratio", "Rashomon set"],
    reph=["Rashomon set / existence of simple accurate models",
          "I work on high-stakes decisions and would rather use an interpretable model if one exists, but searching for optimal sparse models is NP-hard. Is there a paper on telling in advance whether it's worth the search?",
          "Is there research on predicting whether an interpretable model could match a black-box model's accuracy on a given dataset?"],
    traps=[65, 50, 101],
    why="GradSign predicts a given architecture's performance; 'Fantastic Generalization Measures are Nowhere to be Found' concerns the tightness of generalization bounds; 'More is Better' argues for larger models, the opposite direction.",
    terms=["simpler model", "simple model", "accurate-yet-simple", "interpretable model", "rashomon", "sparse model", "decision tree", "rule list"])

add("blind-r4-para-04", "paraphrase",
    "Why do the newer memory-based (recurrent) chatbot models fall apart on texts much longer than the ones they were trained on, and can that be fixed?",
    [153], [],
    "'Stuffed Mamba: State Collapse and State Capacity of RNN-Based Long-Context Modeling' attributes the failure to state collapse, i.e. overfitting of an overparameterized recurrent state to the training length, proposes three mitigations that let Mamba-2 process over 1M tokens, and finds passkey-retrieval state capacity scales exponentially with state size.",
    ["state collapse", "Mamba-2"],
    reph=["RNN/Mamba long-context failure: state collapse and length generalization",
          "We switched to a Mamba-style model for cheaper inference, but it breaks once inputs exceed the training length. Is there a paper explaining why and how to fix it?",
          "What explains recurrent language models degrading past their training context length, and how can it be mitigated?"],
    traps=[85, 89, 142],
    why="Liger and LoLCATs convert transformers into linear/recurrent models but do not study long-context collapse; the linear associative memory paper gives capacity theory for a d x d memory, not RNN length extrapolation.",
    terms=["long context", "long-context", "longer than", "extrapolat", "context length", "recurrent", r"\brnn", "mamba", "length generaliz"])

add("blind-r4-para-05", "paraphrase",
    "How can I make the colours of a photo from one camera look as if another camera had taken it?",
    [20], [],
    "'Color Matching Using Hypernetwork-Based Kolmogorov-Arnold Networks' (cmKAN) uses a hypernetwork to generate spatially varying weights for KAN splines, handling raw-to-raw, raw-to-sRGB and sRGB-to-sRGB mapping, and releases a dataset of paired images from two cameras.",
    ["cmKAN", "raw-to-raw mapping"],
    reph=["camera-to-camera colour matching",
          "I'm fusing photos from two different phone cameras and their colours never agree. Is there a learned method that maps one camera's colours onto the other's?",
          "Is there work on transferring a photo's colour rendition from one camera's pipeline to another's?"],
    traps=[82, 138, 6],
    why="VQD-SR models degradations for animation super-resolution; C-BSN denoises real camera noise; the linear-interpreter tour analyses image-to-image CNNs but does no colour matching.",
    terms=["colou?r", "camera", r"\bisp\b", "srgb", "white balance"])

add("blind-r4-para-06", "paraphrase",
    "Has anyone worked with 3D 'clouds of dots', like what laser scanners produce?",
    [61, 119, 145], [],
    "Three papers: 'G3Reg' globally registers LiDAR point clouds using Gaussian ellipsoid models and maximum cliques; 'OV-MAP' merges raw and synthetic depth from point clouds to build open-vocabulary 3D instance maps for robots; 'Sliced Wasserstein Estimation with Control Variates' compares measures over images and point-clouds and uses gradient flows to interpolate between two point-clouds.",
    ["LiDAR point clouds", "OV-MAP", "point-clouds"],
    reph=["point cloud papers (e.g. LiDAR scans)",
          "I process LiDAR scans for a mapping project and want any paper in this collection that handles point-cloud data, whatever the task. Which ones?",
          "Which work deals with 3D data stored as sets of scanned points?"],
    traps=[118, 62, 106, 184, 135],
    why="OReX reconstructs shapes from planar cross-sections; Gaussian RBFNet and NeuRBF are neural fields for SDFs/radiance fields; See3D generates 3D from videos; ROVR is a depth-image dataset whose abstract never mentions point clouds.",
    terms=["point cloud", "point-cloud", "lidar", "depth", r"\b3d\b", r"\bscans?\b", "laser"])

add("blind-r4-para-07", "paraphrase",
    "Has anyone used machine learning on radio and wireless equipment, for example to aim antenna beams or to tell individual transmitters apart?",
    [68, 34], [],
    "Two papers: 'HoloBeam' learns optimal beamforming phase-shift parameters for holographic metasurface transceivers with a fixed-budget multi-armed bandit; 'Disentangled Representation Learning for RF Fingerprint Extraction under Unknown Channel Statistics' separates device-relevant from channel-related signal components to identify devices in unseen propagation environments.",
    ["HoloBeam", "RF Fingerprint"],
    reph=["ML for wireless communication: beamforming, RF fingerprinting",
          "I work on 5G/6G radio hardware and want to see where learning methods are applied to antennas or to identifying transmitters from their signals. Which papers here do that?",
          "Is there work applying learning to radio signals or wireless transceivers?"],
    traps=[18, 53, 12],
    why="CO2 and FedSpeed are about communication between machines in distributed/federated training, not radio; the causal bandit paper is unrelated to wireless despite using bandits.",
    terms=["wireless", "radio", "antenna", "beamform", "channel statistics", "transceiver", "radio-frequency", "communication", "millimeter", "terahertz", "physical-layer"])

add("blind-r4-para-08", "paraphrase",
    "Why does a network sometimes suddenly start getting new examples right long after it has already fit its training data?",
    [66], [],
    "'Grokking as the Transition from Lazy to Rich Training Dynamics' explains grokking as a move from lazy training dynamics (fitting a kernel solution with initial features) to rich feature learning, analysed with dynamical mean field theory; the delay depends on the feature-learning rate and the alignment of initial NTK eigenvectors with the labels.",
    ["grokking", "lazy training dynamics"],
    reph=["grokking / delayed generalization explanation",
          "In my experiments test loss stays flat for ages after training loss hits zero, then suddenly drops. Is there a paper that explains this delayed generalization?",
          "What causes test accuracy to jump only long after the training set has been memorised?"],
    traps=[127, 101, 50],
    why="Scylla measures memorization vs generalization of LLMs across task complexity but not delayed generalization during training; 'More is Better' and 'Fantastic Generalization Measures' discuss overfitting and bounds without the grokking dynamics.",
    terms=["grokking", "delayed generalization", "memoriz", "lazy", "test loss", "generaliz.{0,40}after"])

add("blind-r4-para-09", "paraphrase",
    "Is there a theoretical argument that bigger models, more data and pushing training error almost to zero all make test results better?",
    [101], [],
    "'More is Better in Modern Machine Learning: when Infinite Overparameterization is Optimal and Overfitting is Obligatory' shows in random feature (RF) regression that test risk falls monotonically with features and samples under optimal ridge, so infinite width is best, and that for power-law tasks near-zero training loss is required for near-optimal performance.",
    ["random feature (RF) regression", "Infinite Overparameterization is Optimal"],
    reph=["theory: overparameterization and overfitting are beneficial",
          "My advisor doubts that scaling models and training to zero loss is principled. Is there theory showing that larger width, more samples and interpolating the training set help?",
          "Is there a proof that wider models and fitting the training set nearly perfectly improve generalization?"],
    traps=[50, 93, 127, 32],
    why="'Fantastic Generalization Measures' proves bounds can't be uniformly tight in the overparameterized regime; intrinsic-dimension notes extra parameters enlarge the solution manifold; Scylla and DeepSeekMoE show empirical scale effects without the theoretical claim.",
    terms=["overparameteri", "larger model", "model size", "more data", "overfit", "infinite width", "infinite-width", "near-zero training", "bigger", "more parameters"])

add("blind-r4-para-10", "paraphrase",
    "Can a computer learn to build 3D objects just from watching lots of everyday internet videos, without knowing where the camera was?",
    [184], [],
    "'You See it, You Got it: Learning 3D Creation on Pose-Free Videos at Scale' trains See3D, a visual-conditional multi-view diffusion model, on the curated WebVi3D dataset (320M frames from 16M video clips) without camera pose annotations, enabling zero-shot open-world 3D generation.",
    ["See3D", "WebVi3D"],
    reph=["3D generation learned from pose-free internet videos",
          "3D training data is scarce for my content-creation tool. Is there a model that learns 3D generation from ordinary web videos without camera poses?",
          "Is there work on learning 3D content creation from unposed online video?"],
    traps=[62, 16, 118, 121, 165],
    why="Gaussian RBFNet and CLNeRF need calibrated images; OReX reconstructs from cross-section slices; Panda-70M captions videos; video-based RL representation learning is not 3D generation.",
    terms=[r"\b3d\b", "multi-view", "camera pose", "pose-free", "novel view", "internet videos", "web.{0,10}video"])

add("blind-r4-para-11", "paraphrase",
    "Has anyone trained chatbots to write computer programs, or tested how well they do at it?",
    [19, 75, 1], [],
    "Three papers: 'CodeGen2' distils lessons for training LLMs on programming and natural languages and releases 1B-16B models; 'Inference Scaling FLaws' shows that resampling weaker models until unit tests pass on HumanEval and MBPP cannot match strong models because of false positives; 'A Comparative Study on Reasoning Patterns of OpenAI's o1 Model' evaluates o1 and test-time compute methods on coding among other domains.",
    ["CodeGen2", "HumanEval", "coding"],
    reph=["LLMs for code generation: training and evaluation",
          "I'm choosing an LLM to help write code and want the papers in this collection that either train language models for programming or measure how well they generate code. Which ones?",
          "Is there work on language models producing software code, and on judging how good that code is?"],
    traps=[13, 179, 127],
    why="AutoNumerics-Zero discovers programs by evolutionary search, not with language models; the reasoning-boundary and Scylla papers benchmark reasoning/generalization without stating coding tasks.",
    terms=[r"\bcode (generation|model|llm)", "coding", "programming", "program synthesis", r"\bprograms?\b", "humaneval", "mbpp", "software", "unit test"])

add("blind-r4-para-12", "paraphrase",
    "How do you get an AI system to keep learning new things without forgetting what it learned before?",
    [16, 115], [],
    "Two papers: 'CLNeRF: Continual Learning Meets NeRF' combines generative replay with Instant-NGP to update radiance fields of changing scenes without catastrophic forgetting; 'Online DPO' proposes COFS-DPO, combining LoRA fast modules across domains to mitigate catastrophic forgetting in continual preference alignment.",
    ["catastrophic forgetting", "CLNeRF", "COFS-DPO"],
    reph=["continual learning / avoiding catastrophic forgetting",
          "My model has to be updated as new data arrives and I can't keep all the old data around; which papers here tackle learning sequentially without losing earlier knowledge?",
          "Is there work on preventing models from losing old knowledge when they are trained on new data or new domains?"],
    traps=[79, 77, 167, 160],
    why="KArAt only mentions KANs' use in continual learning; model collapse is about training on synthetic data, not forgetting; offline-to-online RL handles distribution shift; 'continual observation' in DP refers to streaming releases.",
    terms=["forgetting", "continual", "incremental", "lifelong", "sequentially", "new data arrives"])

# ---------------------------------------------------------------- UNANSWERABLE
add("blind-r4-unans-01", "unanswerable",
    "Which papers make graph neural networks fairer across sensitive groups, for example in node classification?",
    [], [40, 84],
    "None. The collection has fairness work on graphs but not for GNNs: 'Efficient Maximum Fair Clique Search over Large Networks' is a combinatorial search for attribute-balanced cliques, and 'Learning to Reweight for Graph Neural Network' improves GNN out-of-distribution generalization, not group fairness. Other fairness papers (FairSeg, InvDiff) concern medical segmentation and diffusion models.",
    [],
    reph=["fair graph neural networks (group fairness in node classification)",
          "I'm auditing a GNN-based credit model for demographic bias and want methods that make GNN predictions fair across sensitive attributes. Which papers here do that?",
          "Is there work on debiasing graph neural network predictions with respect to protected attributes?"],
    traps=[40, 84, 49, 76],
    why="Fair clique search is graph mining without GNNs; L2R-GNN targets distribution shift, not fairness; FairSeg and InvDiff address fairness/bias outside graphs. No paper combines GNNs with group fairness.",
    terms=["fair", "bias", "graph neural", r"\bgnn", "sensitive attribute", "demographic"])

add("blind-r4-unans-02", "unanswerable",
    "Which papers recognise emotions from people's speech?",
    [], [39, 95],
    "None. Speech papers in the collection synthesise or separate speech rather than classify emotion: Capacitron ('Effective Use of Variational Embedding Capacity in Expressive End-to-End Speech Synthesis') and Mega-TTS 2 control expressive prosody in TTS; MossFormer separates speakers and HyPoradise corrects ASR. The only expression-recognition experiment (FCCov net) uses facial images.",
    [],
    reph=["speech emotion recognition",
          "I'm building a call-centre analytics tool that detects whether callers are angry or happy from their voice. Which papers in the collection do emotion recognition from speech?",
          "Is there work that classifies the emotional state of a speaker from audio recordings?"],
    traps=[39, 95, 60, 70, 103],
    why="Expressive TTS (Capacitron, Mega-TTS 2) generates prosody/style rather than recognising emotion; FCCov applies to facial expression recognition datasets (images); HyPoradise and MossFormer are ASR correction and separation.",
    terms=["emotion", r"\baffect(ive)?\b", "sentiment", "prosody", "expressive", "speech", "facial expression", "audio"])

add("blind-r4-unans-03", "unanswerable",
    "Which papers distil a diffusion image generator into a student that produces images in one or a few sampling steps?",
    [], [87, 185, 133],
    "None. Related work exists but does not do few-step distillation: LinFusion distils Stable Diffusion into a linear-attention model for high-resolution efficiency (same sampler), RADD reduces function evaluations of a discrete text diffusion model by caching, and the Robust Representation Consistency Model uses a consistency-style single prediction for certified classification, not image generation.",
    [],
    reph=["one-step / few-step diffusion distillation for image generation",
          "Our text-to-image service is too slow with 50 denoising steps; I'm looking for papers that distil the diffusion model into a one- or few-step generator. Anything here?",
          "Is there work on compressing a diffusion model's sampling chain into a single or handful of steps via distillation?"],
    traps=[87, 185, 133, 56],
    why="LinFusion changes the attention architecture, not the number of steps; RADD is discrete diffusion for language with NFE caching; rRCM targets robust classification; latent flow matching lowers cost by working in latent space. None distils to few steps.",
    terms=["distil", "one-step", "one step", "few-step", "few step", "consistency model", "number of function evaluations", r"\bnfes?\b", "sampling step"])

add("blind-r4-unans-04", "unanswerable",
    "Which papers prove lower bounds on the oracle complexity of bilevel optimization?",
    [], [14, 128],
    "None. 'Bilevel Optimization under Unbounded Smoothness' gives an algorithm (BO-REP) with an O(1/epsilon^4) upper bound and notes it matches existing upper bounds, but proves no lower bound; the lower-bound papers on optimization ('Quantum Lower Bounds for Finding Stationary Points of Nonconvex Functions') concern single-level nonconvex problems.",
    [],
    reph=["lower bounds for bilevel optimization complexity",
          "I'm trying to tell whether the O(1/eps^4) rates for stochastic bilevel optimization are tight, so I need papers proving matching lower bounds. Does the collection have any?",
          "Is there a hardness or lower-bound result for how many oracle calls bilevel optimization needs?"],
    traps=[14, 128, 52],
    why="BO-REP proves only an upper bound; quantum and DP stationary-point papers address ordinary (single-level) nonconvex optimization.",
    terms=["bilevel", "lower bound", "oracle complexity", "hypergradient"])

add("blind-r4-unans-05", "unanswerable",
    "Which papers release a dataset of human preference judgements for text-to-video generation?",
    [], [124, 121],
    "None. PrefPaint builds a human-preference dataset (about 51K images) but for image inpainting; Panda-70M provides 70M video-caption pairs (not preference judgements) used for text-driven video generation; FaceVid-1K is a face video dataset without preference labels.",
    [],
    reph=["human preference dataset for text-to-video generation",
          "I want to train a reward model for aligning a text-to-video generator and need a dataset where people rated or compared generated videos. Is there one here?",
          "Has any work collected human ratings or pairwise comparisons of AI-generated videos?"],
    traps=[124, 121, 48],
    why="PrefPaint's preferences are for inpainted images; Panda-70M and FaceVid-1K are video datasets without human preference annotations of generated outputs.",
    terms=["preference", "video", "human rating", "reward model", "text-to-video"])

add("blind-r4-unans-06", "unanswerable",
    "Which papers use conformal prediction to put guaranteed error bounds on human body pose estimates?",
    [], [110, 33],
    "None. 'Object Pose Estimation with Statistical Guarantees' applies inductive conformal prediction to keypoints, but for 6D object pose (LineMOD Occlusion), not human bodies; the normative gait-cycle paper uses 2D human pose estimation without any conformal or statistical guarantees.",
    [],
    reph=["conformal prediction for human pose estimation",
          "For a physiotherapy app I need human joint keypoints with calibrated uncertainty regions, ideally via conformal prediction. Does any paper here provide that?",
          "Is there work giving coverage-guaranteed uncertainty sets for estimated human skeleton keypoints?"],
    traps=[110, 33, 22],
    why="The conformal keypoint paper targets rigid objects' 6D pose; 'Developing Normative Gait Cycle Parameters' uses 2D human pose estimation but offers no coverage guarantees; GAVD is a video dataset.",
    terms=["conformal", "human pose", "pose estimation", "keypoint", "coverage", "skeleton"])

add("blind-r4-unans-07", "unanswerable",
    "Which papers train and evaluate seizure detection models on real patient EEG recordings?",
    [], [15, 72],
    "None. 'Chirp Localization via Fine-Tuned Transformer Model' targets chirp biomarkers of seizure dynamics but trains and evaluates only on 100000 synthetic spectrograms and localizes chirps rather than detecting seizures; the implicit GP vector-field paper uses real EEG but for Alzheimer's disease classification.",
    [],
    reph=["seizure detection on real clinical EEG",
          "I have hospital EEG recordings from epilepsy patients and want models validated on real patient data for detecting seizures. Which papers in the collection do that?",
          "Has anyone built and tested an epileptic-seizure detector on genuine clinical EEG?"],
    traps=[15, 72],
    why="The chirp paper is a proof of concept on synthetic data; RVGP reconstructs EEG dynamics of healthy and Alzheimer's subjects, not seizures.",
    terms=["seizure", "eeg", "epilep", "electroencephalogram", "spectrogram"])

add("blind-r4-unans-08", "unanswerable",
    "Which papers retrieve 3D shapes or models from a hand-drawn sketch?",
    [], [102],
    "None. 'More Photos are All You Need' does fine-grained sketch-based retrieval of photos (2D images), not 3D shapes; the 3D papers (OReX, See3D, neural fields) reconstruct or generate shapes and do no sketch-based retrieval.",
    [],
    reph=["sketch-based 3D shape retrieval",
          "Designers on my team want to doodle an object and pull up matching 3D CAD models. Is there a sketch-to-3D-shape retrieval paper here?",
          "Is there work on searching a 3D model library using a freehand drawing as the query?"],
    traps=[102, 118, 184],
    why="FG-SBIR retrieves photos; OReX and See3D reconstruct/generate 3D rather than retrieve it from sketches.",
    terms=["sketch", r"\b3d\b.{0,20}shape", "shape retriev", "retriev", "drawing", r"\bcad\b"])

add("blind-r4-unans-09", "unanswerable",
    "Which papers do unsupervised domain adaptation for object detection?",
    [], [140],
    "None. SePiCo performs unsupervised domain adaptation but for semantic segmentation; Parallel Vertex Diffusion handles referring detection without domain adaptation; UDIM and Hessian alignment are domain generalization for classification without target data.",
    [],
    reph=["unsupervised domain adaptation for object detectors",
          "My pedestrian detector trained on one city's footage fails in another and I have unlabeled target images. Are there domain-adaptive detection papers here?",
          "Is there work adapting a bounding-box detector to a new, unlabeled domain?"],
    traps=[140, 122, 178, 175],
    why="SePiCo adapts segmentation, not detection; PVD's referring detection has no domain shift; DG papers use no target data and do classification.",
    terms=["domain adapt", "object detection", "detector", "target domain", "referring detection", "domain generalization"])

add("blind-r4-unans-10", "unanswerable",
    "Which papers give a provable, theoretical characterisation of how much information the recurrent state of Mamba-style state-space models can store?",
    [], [153, 142, 141],
    "None. 'Stuffed Mamba' estimates Mamba-2's recurrent state capacity empirically (passkey retrieval scales exponentially with state size) without a proof; the sharp capacity results ('Sharp Capacity Thresholds in Linear Associative Memory', 'Sharp Capacity Scaling of Spectral Optimizers in Learning Associative Memory') are proven for linear associative memory matrices, not for Mamba/SSM states.",
    [],
    reph=["theoretical memory capacity of Mamba / SSM recurrent state",
          "I'm comparing state-space models with attention and want a proven bound on how many facts or tokens a Mamba-type hidden state can hold. Is there such a theory paper here?",
          "Has anyone proved capacity limits for the hidden state of selective state-space (Mamba-like) language models?"],
    traps=[153, 142, 141],
    why="Stuffed Mamba is empirical; the associative-memory papers prove capacity for linear memories/optimizers without addressing SSM recurrent states.",
    terms=["mamba", "state space", "state-space", "recurrent state", "capacity", "associative memory", r"\brnn"])

add("blind-r4-unans-11", "unanswerable",
    "Which papers study scaling up inference-time compute, such as best-of-N sampling or search against a verifier, for image generators?",
    [], [1, 75, 96],
    "None. Inference-time compute studies in the collection (o1 reasoning-pattern comparison, Inference Scaling FLaws, metastable CoT dynamics, MC-NEST) are about LLM reasoning or code; image-generation papers speed up sampling (Continuous Speculative Decoding) or align with reward models (PrefPaint) without studying inference-time scaling.",
    [],
    reph=["test-time compute scaling for text-to-image / image generation",
          "I want to know whether sampling many images and picking the best with a verifier or reward model improves text-to-image quality. Has anyone in this collection studied that?",
          "Is there work on trading more compute at generation time for better image-generator outputs via search or reranking?"],
    traps=[1, 75, 96, 24, 124],
    why="The inference-scaling papers concern LLM reasoning/coding; Continuous Speculative Decoding only accelerates AR image generation without changing compute-quality trade-offs; PrefPaint fine-tunes with RL instead of test-time search.",
    terms=["test-time", "inference-time", "inference scaling", "best-of", "verifier", "image generat", "text-to-image", "reward model"])

add("blind-r4-unans-12", "unanswerable",
    "Which papers introduce a new benchmark dataset of real camera noise, with noisy and clean image pairs, for denoising?",
    [], [138, 20],
    "None. The self-supervised denoiser C-BSN removes real camera noise but is trained and evaluated on existing real-world datasets, without releasing new noisy/clean pairs; cmKAN introduces a dataset of paired images from two cameras, but for colour matching, not noise.",
    [],
    reph=["new real-noise denoising dataset (noisy/clean pairs)",
          "I need fresh real-world noisy/clean photo pairs to benchmark my denoiser; did any paper here collect and release such a dataset?",
          "Has anyone published a new collection of genuinely noisy camera photos with clean references for testing denoising?"],
    traps=[138, 20, 82],
    why="C-BSN is a method paper; cmKAN's dataset pairs cameras for colour; VQD-SR's RAL dataset contains low-quality animation videos for degradation priors, not camera-noise pairs.",
    terms=["denois", "real noise", "camera noise", "noisy.{0,30}dataset", "noise dataset", "paired images", "low-quality", "clean image"])

# ---------------------------------------------------------------- FACT
add("blind-r4-fact-01", "fact",
    "The paper arguing that forward cross-entropy is a poor distance for matching a language model to human text, and proposing a replacement training objective, says its method helps downstream performance with minimal fine-tuning. On how many sentences was that fine-tuning done?",
    [43], [],
    "In 'EMO: Earth Mover Distance Optimization for Auto-Regressive Language Modeling', EMO improves downstream performance with minimal fine-tuning on merely 25,000 sentences.",
    ["25,000 sentences", "EMO"])

add("blind-r4-fact-02", "fact",
    "For the inference-free learned sparse retriever trained with an IDF-aware FLOPS loss and ensemble distillation, how large is its gain on BEIR over the previous best inference-free sparse model, and what is its client-side latency compared with BM25?",
    [163], [],
    "'Towards Competitive Search Relevance For Inference-Free Learned Sparse Retrievers' reports outperforming the previous SOTA inference-free sparse model by 3.3 NDCG@10 on BEIR, with client-side latency only 1.1x that of BM25.",
    ["3.3 NDCG@10", "1.1x that of BM25"])

add("blind-r4-fact-03", "fact",
    "How many frames does the new large-scale, cost-efficient depth estimation dataset collected from highway, rural and urban driving contain?",
    [135], [],
    "The ROVR-Open-Dataset comprises 200K high-resolution frames spanning highway, rural and urban scenarios, day/night and adverse weather.",
    ["200K high-resolution frames"])

add("blind-r4-fact-04", "fact",
    "The study that measures how hard a learning problem is by the smallest random parameter subspace in which solutions first appear compares a control task with digit classification. How much easier does it find the inverted pendulum than MNIST?",
    [93], [],
    "'Measuring the Intrinsic Dimension of Objective Landscapes' concludes that solving the inverted pendulum problem is 100 times easier than classifying MNIST digits (and that Atari Pong from pixels is about as hard as CIFAR-10).",
    ["100 times easier"])

add("blind-r4-fact-05", "fact",
    "In the systematic study of node-based subgraph graph neural networks through Weisfeiler-Lehman-style tests, into how many equivalence classes does every such GNN fall, and which class is most expressive?",
    [2], [],
    "'A Complete Expressiveness Hierarchy for Subgraph GNNs via Subgraph Weisfeiler-Lehman Tests' proves that any node-based subgraph GNN falls into one of six SWL equivalence classes, with SSWL achieving maximal expressive power.",
    ["six SWL equivalence classes", "SSWL"])

add("blind-r4-fact-06", "fact",
    "How many human-preference-annotated images are in the dataset built to train the reward model for aligning a diffusion inpainting model with reinforcement learning?",
    [124], [],
    "'PrefPaint: Aligning Image Inpainting Diffusion Model with Human Preference' trains its reward model on a dataset of nearly 51,000 images annotated with human preferences.",
    ["nearly 51,000 images"])

add("blind-r4-fact-07", "fact",
    "The contrastive method that captures higher-order information across any number of modalities (beyond pairwise CLIP) was tested on an original multilingual dataset. How many samples does that dataset have and of which modalities?",
    [25], [],
    "'Contrasting with Symile' evaluates on an original multilingual dataset of 33M image, text and audio samples (plus a clinical dataset of chest X-rays, ECGs and lab measurements).",
    ["33M image, text and audio samples"])

add("blind-r4-fact-08", "fact",
    "What is the regularizer called that adaptively controls the representation rank of value networks using a bound derived from the Bellman equation, and on how many DeepMind control tasks was it evaluated?",
    [8], [],
    "'Adaptive Regularization of Representation Rank as an Implicit Constraint of Bellman Equation' proposes BEER (BEllman Equation-based automatic rank Regularizer), which outperforms baselines by a large margin on 12 challenging DeepMind control tasks.",
    ["BEER", "12 challenging DeepMind control tasks"])

with open(OUT + 'qa_blind_r4.jsonl', 'w') as f:
    for q in Q:
        f.write(json.dumps(q, ensure_ascii=False) + '\n')
with open(OUT + 'qa_rephrasings_r4.jsonl', 'w') as f:
    for r in R:
        f.write(json.dumps(r, ensure_ascii=False) + '\n')
with open(OUT + 'judging_notes_r4.jsonl', 'w') as f:
    for n in N:
        f.write(json.dumps(n, ensure_ascii=False) + '\n')
with open(OUT + 'r4_terms.json', 'w') as f:
    json.dump(TERMS, f, indent=1, ensure_ascii=False)
print(len(Q), 'questions;', len(R), 'rephrasings;', len(N), 'notes;', len(TERMS), 'term lists')
